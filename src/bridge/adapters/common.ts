import { UNREACHABLE } from '../../domain/bridge/model.js';
import type { ProcessOutcome } from '../process-group.js';
import type { RunOutcome, RunRequest, RunStatus } from '../types.js';

const STDERR_TAIL = 4000;
const ERROR_LINE = 1000;
const ANSI = /\x1b\[[0-9;]*m/g;
/** What CLIs print around their errors: log lines below error level, warnings, stack frames. */
const noise = /^(WARNING|WARN|INFO|DEBUG|TRACE)\b|\blevel=(INFO|WARN|DEBUG|TRACE)\b|^at\s/;
const errorish = /error|fatal|denied|refus|cannot|can't|could not|unable|not found|invalid|unauthori[sz]ed|forbidden|not logged in/i;

export const stripAnsi = (text: string) => text.replace(ANSI, '');
export const stderrTail = (stderr: string) => {
  const clean = stripAnsi(stderr).trim();
  return clean ? clean.slice(-STDERR_TAIL) : null;
};

/**
 * The CLI's own error line in its stderr: the last line that reads like an error, else the last line that is
 * not log noise.
 */
export function errorLine(stderr: string): string | null {
  const lines = stripAnsi(stderr).split('\n').map((l) => l.trim()).filter((l) => l && !noise.test(l));
  const line = lines.findLast((l) => errorish.test(l)) ?? lines.at(-1);
  return line ? line.slice(0, ERROR_LINE) : null;
}

/** What a timed-out run says: how long it had, and the last thing the CLI was doing. */
export const timedOut = (timeoutMs: number, lastWords: string | null) =>
  `timed out after ${Math.round(timeoutMs / 1000)} s${lastWords ? `; last from the CLI: ${lastWords.slice(0, ERROR_LINE)}` : ''}`;

/** The status a finished process earned: timeouts and cancels first, then the adapter's own verdict. */
export function statusOf(proc: ProcessOutcome, succeeded: boolean): RunStatus {
  if (proc.cancelled) return 'cancelled';
  if (proc.timedOut) return 'timed_out';
  return succeeded ? 'completed' : 'failed';
}

/** The prompt an agent CLI reads on stdin: the instruction, then the context it works from. */
export const promptWithContext = (request: RunRequest) =>
  `${request.prompt ?? 'Work on your missions in the control plane, starting with the context below.'}\n\nContext (JSON):\n${JSON.stringify(request.context)}\n`;

/** Parses one JSON line of a CLI's stream; blank lines, non-JSON lines and arrays are skipped. */
export function jsonLine(line: string): Record<string, unknown> | null {
  const text = line.trim();
  if (!text.startsWith('{')) return null;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export const emptyOutcome = (proc: ProcessOutcome): Pick<RunOutcome, 'exitCode' | 'signal' | 'outputTruncated' | 'stderrTruncated' | 'leftovers'> => ({
  exitCode: proc.exitCode,
  signal: proc.signal,
  outputTruncated: proc.stdoutTruncated,
  stderrTruncated: proc.stderrTruncated,
  leftovers: proc.leftovers,
});

export const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
export const str = (v: unknown) => (typeof v === 'string' ? v : null);
export const obj = (v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** The text blocks of an assistant event's message, in order. */
export const textBlocks = (event: Record<string, unknown>): string[] =>
  ((obj(event.message).content as unknown[]) ?? [])
    .map(obj)
    .filter((b) => b.type === 'text' && typeof b.text === 'string')
    .map((b) => b.text as string);

/** The error of a run whose runtime could not be started or reached (bridge_invoke with wait answers runtime_error). */
export const unreachable = (reason: string | null) => (reason === null ? null : `${UNREACHABLE}: ${reason}`);
