import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { type RunProcesses, signalRun, sweepRun } from './process-tree.js';

export const MAX_STREAM_BYTES = 1024 * 1024;
const MAX_LINE_BYTES = 16 * 1024 * 1024;
/** How long the pipes may stay open once everything we could find of a run has gone. */
const PIPE_DRAIN_MS = 1000;

export interface SpawnSpec {
  command: string;
  /** argv only: nothing is ever interpreted by a shell. */
  args: string[];
  cwd?: string;
  /** The whole environment of the child (nothing is inherited implicitly). */
  env: Record<string, string>;
  /** `NAME=value` in `env` that marks every descendant of this run, even one that left the process group. */
  marker?: string;
  /** Written to stdin, which is then closed (agent CLIs read stdin to EOF before they start). */
  stdin?: string;
  timeoutMs: number;
  /** Between SIGTERM and SIGKILL. */
  graceMs?: number;
  signal?: AbortSignal;
  /** Each complete stdout line, for streaming parsers. */
  onStdoutLine?: (line: string) => void;
  onSpawn?: (pid: number, processStart: string | null) => void;
  /** Every chunk as it arrives. */
  onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
}

export interface ProcessOutcome {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stdoutTruncated: boolean;
  stderr: string;
  stderrTruncated: boolean;
  timedOut: boolean;
  cancelled: boolean;
  /** The process could not be started (e.g. no such command). */
  spawnError: string | null;
  /** How many processes the run left behind when its command ended (all stopped since). */
  leftovers: number;
}

/** The start time of a process (clock ticks since boot), so that a reused pid is never mistaken for ours. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/**
 * Kills what a dead owner left of a run: its group, only if the leader is still the process we started (a
 * reused pid is never signalled), and every process carrying the run's marker.
 */
export function stopLeftovers(pgid: number | null, processStart: string | null, marker: string): boolean {
  const ownGroup = pgid !== null && processStart !== null && processStartTime(pgid) === processStart;
  return signalRun({ ...(ownGroup ? { pgid: pgid! } : {}), marker }, 'SIGKILL');
}

/** The first `max` bytes of a stream (stdout: the answer starts there). */
class HeadText {
  private chunks: string[] = [];
  private bytes = 0;
  truncated = false;
  constructor(private readonly max: number) {}
  add(chunk: string) {
    if (this.truncated) return;
    const size = Buffer.byteLength(chunk);
    if (this.bytes + size <= this.max) {
      this.chunks.push(chunk);
      this.bytes += size;
      return;
    }
    this.chunks.push(Buffer.from(chunk).subarray(0, this.max - this.bytes).toString('utf8'));
    this.truncated = true;
  }
  toString() {
    return this.chunks.join('');
  }
}

/** The last `max` bytes of a stream (stderr: the error a CLI ends with comes last, after its logs). */
class TailText {
  private chunks: string[] = [];
  private bytes = 0;
  truncated = false;
  constructor(private readonly max: number) {}
  add(chunk: string) {
    this.chunks.push(chunk);
    this.bytes += Buffer.byteLength(chunk);
    while (this.bytes > this.max && this.chunks.length > 1) {
      this.bytes -= Buffer.byteLength(this.chunks.shift()!);
      this.truncated = true;
    }
  }
  toString() {
    const text = this.chunks.join('');
    if (this.bytes <= this.max) return text;
    this.truncated = true;
    return Buffer.from(text).subarray(-this.max).toString('utf8');
  }
}

type LeaderEnd = { code: number | null; signal: NodeJS.Signals | null };

/**
 * Runs one command in its own process group (detached). A timeout or a cancel stops the whole run: SIGTERM,
 * then SIGKILL after the grace period. However the command ends, whatever it left behind (in its group, or
 * escaped from it but carrying `spec.marker`) is stopped the same way before this resolves, and pipes that
 * something out of reach still holds open are not waited for.
 */
export async function runProcess(spec: SpawnSpec): Promise<ProcessOutcome> {
  const stdout = new HeadText(MAX_STREAM_BYTES);
  const stderr = new TailText(MAX_STREAM_BYTES);
  const child = execa(spec.command, spec.args, {
    cwd: spec.cwd,
    env: spec.env,
    extendEnv: false,
    detached: true,
    shell: false,
    reject: false,
    buffer: false,
    stripFinalNewline: false,
    ...(spec.stdin !== undefined ? { input: spec.stdin } : { stdin: 'ignore' as const }),
  });
  const pid = child.pid;
  const run: RunProcesses = { ...(pid !== undefined ? { pgid: pid } : {}), ...(spec.marker ? { marker: spec.marker } : {}) };
  if (pid !== undefined) spec.onSpawn?.(pid, processStartTime(pid));

  let partial = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    stdout.add(chunk);
    spec.onOutput?.('stdout', chunk);
    if (!spec.onStdoutLine) return;
    partial += chunk;
    let newline: number;
    while ((newline = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, newline);
      partial = partial.slice(newline + 1);
      spec.onStdoutLine(line);
    }
    if (partial.length > MAX_LINE_BYTES) partial = '';
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr.add(chunk);
    spec.onOutput?.('stderr', chunk);
  });

  const graceMs = spec.graceMs ?? 5000;
  let timedOut = false;
  let cancelled = false;
  let killTimer: NodeJS.Timeout | undefined;
  let killed = false;
  const terminate = () => {
    if (pid === undefined || killTimer) return;
    signalRun(run, 'SIGTERM');
    killTimer = setTimeout(() => {
      killed = true;
      signalRun(run, 'SIGKILL');
    }, graceMs);
  };
  const timeout = setTimeout(() => {
    timedOut = true;
    terminate();
  }, spec.timeoutMs);
  const onAbort = () => {
    cancelled = true;
    terminate();
  };
  if (spec.signal?.aborted) onAbort();
  spec.signal?.addEventListener('abort', onAbort, { once: true });

  // Wait for the leader's end, not the pipes': a descendant that escaped the group may hold them open for ever.
  let leader: LeaderEnd | null = null;
  const exited = new Promise<void>((resolve) => child.once('exit', (code, signal) => resolve(void (leader = { code, signal }))));
  const settled = child.then(() => true as const);
  await Promise.race([exited, settled]);
  clearTimeout(timeout);
  spec.signal?.removeEventListener('abort', onAbort);

  // What the run left is stopped now; if it was already being stopped, only what remains of the grace period.
  const leftovers = pid === undefined ? 0 : await sweepRun(run, killed ? 0 : graceMs);
  clearTimeout(killTimer);
  const drained = await Promise.race([settled, new Promise<false>((r) => setTimeout(() => r(false), PIPE_DRAIN_MS))]);
  if (!drained) {
    child.stdout?.destroy();
    child.stderr?.destroy();
  }
  const result = await child;
  if (partial && spec.onStdoutLine) spec.onStdoutLine(partial);
  const end = leader as LeaderEnd | null;
  // Node's own message ("spawn /bin/x ENOENT") names the command only; execa's shortMessage is the whole command
  // line, arguments included, and the error is stored with the run and shown to the realm.
  const spawnError = pid === undefined || (end === null && result.failed && result.exitCode === undefined && !result.signal) ? (result.originalMessage || 'could not start') : null;
  return {
    exitCode: end ? end.code : (result.exitCode ?? null),
    signal: end ? end.signal : (result.signal ?? null),
    stdout: stdout.toString(),
    stdoutTruncated: stdout.truncated,
    stderr: stderr.toString(),
    stderrTruncated: stderr.truncated,
    timedOut,
    cancelled,
    spawnError,
    leftovers,
  };
}
