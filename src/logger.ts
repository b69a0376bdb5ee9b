import pino, { type Logger } from 'pino';
import { scrub } from './domain/secrets.js';

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** How much log output may wait for a slow reader of stderr before lines are dropped. */
const MAX_BUFFERED_BYTES = 1 << 20;

/**
 * Where log lines go: stderr, never blocking the server. pino's own destination writes synchronously and spins
 * on EAGAIN when nobody reads the pipe (a client that ignores our stderr would freeze us), and a closed stderr
 * (EPIPE) must not take the server down or loop. So lines go through process.stderr's asynchronous write, are
 * dropped (and counted) while more than 1 MiB waits, and the first write error marks the sink dead.
 */
export class StderrSink {
  dropped = 0;
  private dead = false;
  private readonly listeners = new Set<(error: Error) => void>();

  constructor(private readonly stream: NodeJS.WritableStream & { writableLength?: number } = process.stderr) {
    stream.on('error', (error: Error) => this.die(error));
  }

  /** Called once when stderr is gone (EPIPE, closed): the client that owned it has gone. */
  onGone(listener: (error: Error) => void) {
    this.listeners.add(listener);
  }

  write(line: string) {
    if (this.dead) return;
    if ((this.stream.writableLength ?? 0) > MAX_BUFFERED_BYTES) {
      this.dropped++;
      return;
    }
    this.stream.write(line);
  }

  private die(error: Error) {
    if (this.dead) return;
    this.dead = true;
    for (const listener of this.listeners) listener(error);
  }
}

export const stderrSink = new StderrSink();

export class LogLevelError extends Error {}

/** Logs go to stderr only: on stdio, stdout belongs to the MCP transport from the first byte. */
export function createLogger(level = process.env.CONTROL_PLANE_LOG_LEVEL ?? 'info'): Logger {
  if (!(logLevels as readonly string[]).includes(level)) {
    throw new LogLevelError(`CONTROL_PLANE_LOG_LEVEL: unknown level "${level}"; use one of ${logLevels.join(', ')}`);
  }
  return pino(
    {
      name: 'control-plane-mcp',
      level,
      // The secret detector runs over every log line's fields too (errors keep their own serializer).
      formatters: { log: (fields) => Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v instanceof Error ? v : scrub({ [k]: v }).value[k]])) },
    },
    stderrSink,
  );
}
