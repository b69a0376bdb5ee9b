import { serveStdio } from '@modelcontextprotocol/server/stdio';
import type { App } from '../app.js';
import type { Principal } from '../domain/principal.js';
import { mayWatch } from '../resources/register.js';
import { createMcpServer } from '../server.js';
import { StdioWire } from './stdio-wire.js';

export interface StdioOptions {
  /** How long a shutdown waits for calls still running before it interrupts them (ms, default 10 s). */
  graceMs?: number;
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  /** Treat the parent process exiting as the client going away (the CLI: the client spawned us). */
  watchParent?: boolean;
}

export interface StdioServing {
  /** Ends serving: answers every request read so far, interrupts work past the grace period, closes the app. */
  shutdown(reason: string): Promise<void>;
  /** Ends serving at once because the client is gone (stdout or stderr closed): nothing can be answered. */
  clientGone(error: Error): Promise<void>;
  /** Resolves when serving has ended and the app is closed. */
  readonly done: Promise<void>;
}

/** After the client is gone, everything must be over within 2 s; runs get this long before SIGKILL. */
const GONE_KILL_MS = 800;
const GONE_DEADLINE_MS = 1500;
/** After the grace period, interrupted calls get this long to report their interruption. */
const INTERRUPT_ANSWER_MS = 3000;
/** How often to look whether the client process that spawned us is still there. */
const PARENT_POLL_MS = 400;

/**
 * A closed pipe shows only when something is written to it, and a call waiting on a long run writes nothing:
 * a client killed outright is seen instead by this process being handed to another parent.
 */
function watchParent(onGone: () => void): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) onGone();
  }, PARENT_POLL_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Serves MCP on stdin/stdout in both protocol eras (the SDK's serveStdio picks the era from the opening
 * message and builds one server for the connection), and owns how serving ends: stdin closing, SIGTERM or
 * SIGINT lead to a graceful shutdown; stdout or stderr closing (the client is gone) to a quick one.
 */
export function serveOverStdio(app: App, principal: Principal, options: StdioOptions = {}): StdioServing {
  const { logger } = app;
  const wire = new StdioWire({ registry: app.registry, logger, input: options.input, output: options.output, mayWatch: (uri) => mayWatch(principal, uri) });
  // The background parts (src/cli.ts defers them) load once the first tools/list answer is out whole: a
  // 140 KB answer is written in pieces as the client reads, and loading them would hold up the rest.
  const afterToolsList = () => void wire.flushed().then(() => app.ready()).catch(() => {});
  const handle = serveStdio(({ era }) => createMcpServer(app, principal, { era, afterToolsList }), {
    transport: wire,
    onerror: (error) => logger.debug({ err: error }, 'stdio connection reported an error'),
  });
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  let ending: Promise<void> | null = null;

  const shutdown = (reason: string) =>
    (ending ??= (async () => {
      logger.info({ reason, unanswered: wire.unanswered }, 'shutting down: answering what was read');
      wire.stopReading();
      if (!(await wire.whenAnswered(options.graceMs ?? 10_000))) {
        logger.warn({ unanswered: wire.unanswered }, 'grace period over: interrupting the calls still running');
        // Stopping the runs ends the calls that wait for them; each answers with its run marked interrupted.
        await app.close();
        if (!(await wire.whenAnswered(INTERRUPT_ANSWER_MS))) await wire.answerRemaining('interrupted: the server shut down before this call finished');
      }
      await wire.flushed();
      await handle.close();
      await app.close();
      finish();
    })());

  let gone = false;
  const clientGone = async (error: Error) => {
    if (gone) return done;
    gone = true;
    logger.info({ reason: error.message }, 'the client is gone: stopping');
    wire.stopReading();
    const deadline = setTimeout(finish, GONE_DEADLINE_MS);
    deadline.unref();
    await Promise.allSettled([handle.close(), app.close({ killAfterMs: GONE_KILL_MS })]);
    clearTimeout(deadline);
    finish();
    return done;
  };

  wire.onInputEnd = () => void shutdown('stdin closed');
  wire.onOutputGone = (error) => void clientGone(error);
  if (options.watchParent) {
    const stop = watchParent(() => void clientGone(new Error('the client process exited')));
    void done.then(stop);
  }
  return { shutdown: (reason) => shutdown(reason).then(() => done), clientGone, done };
}
