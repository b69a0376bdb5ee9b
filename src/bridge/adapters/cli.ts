import { runProcess, type ProcessOutcome } from '../process-group.js';
import type { Adapter, RunOutcome, RunRequest } from '../types.js';
import { emptyOutcome, jsonLine, promptWithContext, statusOf, stderrTail, unreachable } from './common.js';

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
}

/** One agent CLI, as data: its command line, its stream parser, and who it bills. */
export interface CliSpec {
  args(request: RunRequest): string[];
  /** A fresh parser per run: `line` gets each JSON event, `finish` the ended process. */
  parser(request: RunRequest): { line(event: Record<string, unknown>): void; finish(proc: ProcessOutcome): Parsed };
  provider(model: string | null): string;
}

/** Runs an agent CLI: prompt and context on stdin, its JSON stream parsed line by line as it arrives. */
export function cliAdapter(spec: CliSpec): Adapter {
  return {
    async execute(request) {
      const parser = spec.parser(request);
      const proc = await runProcess({
        // bridge_register fills in each CLI's default binary, so a runtime always names its command.
        command: request.runtime.command!,
        args: spec.args(request),
        cwd: request.runtime.workDir ?? undefined,
        env: request.env,
        stdin: promptWithContext(request),
        timeoutMs: request.timeoutMs,
        graceMs: request.graceMs,
        signal: request.signal,
        onStdoutLine: (line) => {
          const event = jsonLine(line);
          if (event) parser.line(event);
        },
        onSpawn: request.onSpawn,
        onOutput: request.onOutput,
      });
      const parsed = parser.finish(proc);
      const model = parsed.model ?? request.model;
      return {
        ...emptyOutcome(proc),
        status: statusOf(proc, parsed.succeeded && !proc.spawnError),
        output: parsed.output,
        error: parsed.succeeded ? null : (parsed.error ?? unreachable(proc.spawnError) ?? stderrTail(proc.stderr) ?? `exited with code ${proc.exitCode}`),
        sessionId: parsed.sessionId,
        usage: parsed.usage,
        usageSnapshot: parsed.usageSnapshot ?? parsed.usage,
        costUsd: parsed.costUsd,
        provider: spec.provider(model),
        model,
        unknownSession: request.sessionId !== null && parsed.unknownSession,
      };
    },
  };
}
