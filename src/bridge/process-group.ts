import { execa } from 'execa';
import { readdirSync, readFileSync } from 'node:fs';

export const MAX_STREAM_BYTES = 1024 * 1024;
const MAX_LINE_BYTES = 16 * 1024 * 1024;

export interface SpawnSpec {
  command: string;
  /** argv only: nothing is ever interpreted by a shell. */
  args: string[];
  cwd?: string;
  /** The whole environment of the child (nothing is inherited implicitly). */
  env: Record<string, string>;
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

/** Signals a whole process group; false when it no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether any live (non-zombie) process is still in the group. Zombies answer kill(0) until someone reaps
 * them, which in a container may be never; /proc tells them apart.
 */
export function groupAlive(pgid: number): boolean {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return signalGroup(pgid, 0);
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z') return true;
    } catch {
      // the process ended while we looked
    }
  }
  return false;
}

/** Stops a group that a dead owner left behind, only if its leader is still the process we started. */
export function stopLeftoverGroup(pgid: number, processStart: string | null): boolean {
  if (processStart === null || processStartTime(pgid) !== processStart) return false;
  return signalGroup(pgid, 'SIGKILL');
}

class BoundedText {
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

/**
 * Runs one command in its own process group (detached), so that a timeout or a cancel stops the whole tree:
 * SIGTERM to the group, SIGKILL after the grace period. Resolves only once the group is gone.
 */
export async function runProcess(spec: SpawnSpec): Promise<ProcessOutcome> {
  const stdout = new BoundedText(MAX_STREAM_BYTES);
  const stderr = new BoundedText(MAX_STREAM_BYTES);
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

  let timedOut = false;
  let cancelled = false;
  let killTimer: NodeJS.Timeout | undefined;
  let killed = false;
  const terminate = () => {
    if (pid === undefined || killTimer) return;
    signalGroup(pid, 'SIGTERM');
    killTimer = setTimeout(() => {
      killed = true;
      signalGroup(pid, 'SIGKILL');
    }, spec.graceMs ?? 5000);
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

  const result = await child;
  clearTimeout(timeout);
  spec.signal?.removeEventListener('abort', onAbort);
  if (partial && spec.onStdoutLine) spec.onStdoutLine(partial);
  if (killTimer && pid !== undefined) {
    // The leader is gone; give what it left in its group until the grace period ends, then kill the rest.
    while (!killed && groupAlive(pid)) await new Promise((r) => setTimeout(r, 50));
    clearTimeout(killTimer);
    signalGroup(pid, 'SIGKILL');
  }
  const spawnError = pid === undefined || (result.failed && result.exitCode === undefined && !result.signal && !timedOut && !cancelled) ? (result.shortMessage ?? 'could not start') : null;
  return {
    exitCode: result.exitCode ?? null,
    signal: result.signal ?? null,
    stdout: stdout.toString(),
    stdoutTruncated: stdout.truncated,
    stderr: stderr.toString(),
    stderrTruncated: stderr.truncated,
    timedOut,
    cancelled,
    spawnError,
  };
}
