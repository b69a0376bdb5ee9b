import type { Runtime } from '../../domain/bridge/model.js';
import { runProcess, type ProcessOutcome } from '../process-group.js';
import type { Adapter, PermissionDenial, RunOutcome, RunRequest, Spend } from '../types.js';
import { emptyOutcome, errorLine, jsonLine, promptWithContext, statusOf, timedOut, unreachable } from './common.js';

/** What a stream parser concludes once the process has ended. */
export interface Parsed {
  succeeded: boolean;
  output: string | null;
  error: string | null;
  sessionId: string | null;
  usage: RunOutcome['usage'];
  usageSnapshot?: RunOutcome['usageSnapshot'];
  costUsd: number | null;
  model: string | null;
  unknownSession: boolean;
  permissionDenials?: PermissionDenial[] | null;
}

export interface StreamParser {
  /** Each JSON event as it arrives; 'stop' ends the run at once (a resume that came back as a new session). */
  line(event: Record<string, unknown>): void | 'stop';
  /** The last thing the CLI reported (a retry, a tool call, a logged cause), for the message of a run that timed out. */
  lastWords(stderr: string): string | null;
  /** The spend the stream has shown so far (cumulative), for CLIs that report it while they run; null: none yet. */
  spend?(): Spend | null;
  finish(proc: ProcessOutcome): Parsed | Promise<Parsed>;
}

/** A CLI refusing a runtime as configured: which field, and why. */
export interface Refusal {
  field: string;
  message: string;
}

/** One agent CLI, as data: its command line, its environment, its stream parser, and who it bills. */
export interface CliSpec {
  args(request: RunRequest): string[];
  /** Variables the CLI needs on top of the run's environment (OpenCode takes its permissions as configuration). */
  env?(request: RunRequest): Record<string, string>;
  /** Why the CLI would refuse this runtime when run by this server's user with `env`. */
  refusal?(runtime: Runtime, env: Record<string, string>): Refusal | null;
  /** A fresh parser per run. */
  parser(request: RunRequest): StreamParser;
  /** The CLI's own error line in its stderr (default: the last line that reads like an error). */
  errorLine?(stderr: string): string | null;
  provider(model: string | null): string;
}

/** Thrown by a spec that cannot build a run's command line or environment from the runtime as it is. */
export class CliSetupError extends Error {}

/** Runs an agent CLI: prompt and context on stdin, its JSON stream parsed line by line as it arrives. */
export function cliAdapter(spec: CliSpec): Adapter {
  const stderrError = spec.errorLine ?? errorLine;
  return {
    ...(spec.refusal ? { refusal: spec.refusal } : {}),
    async execute(request) {
      const parser = spec.parser(request);
      const stop = new AbortController();
      let args: string[];
      let env: Record<string, string>;
      try {
        args = spec.args(request);
        env = { ...request.env, ...spec.env?.(request) };
      } catch (error) {
        if (!(error instanceof CliSetupError)) throw error;
        return setupFailure(request, error.message);
      }
      const proc = await runProcess({
        // bridge_register fills in each CLI's default binary, so a runtime always names its command.
        command: request.runtime.command!,
        args,
        cwd: request.runtime.workDir ?? undefined,
        env,
        marker: request.marker,
        stdin: promptWithContext(request),
        timeoutMs: request.timeoutMs,
        graceMs: request.graceMs,
        signal: AbortSignal.any([request.signal, stop.signal]),
        onStdoutLine: (line) => {
          const event = jsonLine(line);
          if (!event) return;
          if (parser.line(event) === 'stop') stop.abort();
          const spend = parser.spend?.();
          if (spend) request.onSpend?.(spend);
        },
        onSpawn: request.onSpawn,
        onOutput: request.onOutput,
      });
      const parsed = await parser.finish(proc);
      const model = parsed.model ?? request.model;
      const failure = () =>
        proc.timedOut
          ? timedOut(request.timeoutMs, parser.lastWords(proc.stderr) ?? stderrError(proc.stderr))
          : (parsed.error ?? unreachable(proc.spawnError) ?? stderrError(proc.stderr) ?? (proc.signal ? `killed by ${proc.signal}` : `exited with code ${proc.exitCode}`));
      const succeeded = parsed.succeeded && !proc.spawnError && !proc.timedOut && !proc.cancelled;
      return {
        ...emptyOutcome(proc),
        // A run stopped because its resume came back as a new session is no cancel: it is retried fresh.
        status: stop.signal.aborted && !request.signal.aborted ? 'failed' : statusOf(proc, succeeded),
        output: parsed.output,
        error: succeeded ? null : failure(),
        sessionId: parsed.sessionId,
        usage: parsed.usage,
        usageSnapshot: parsed.usageSnapshot ?? parsed.usage,
        costUsd: parsed.costUsd,
        provider: spec.provider(model),
        model,
        unknownSession: request.sessionId !== null && parsed.unknownSession,
        permissionDenials: parsed.permissionDenials ?? null,
      };
    },
  };
}

function setupFailure(request: RunRequest, message: string): RunOutcome {
  return {
    status: 'failed', exitCode: null, signal: null, output: null, outputTruncated: false, error: unreachable(message), stderrTruncated: false,
    sessionId: null, usage: null, usageSnapshot: null, costUsd: null, provider: null, model: request.model, unknownSession: false,
    permissionDenials: null, leftovers: 0,
  };
}
