// Store.checkChain for SQLite on a file: the range is cut into consecutive stretches, each checked by a worker
// process with its own read-only connection (chain-worker.ts), all at once. Verify's walk spends about two
// thirds of its time in SQLite building each entry's hash input and a third hashing it, both on one core and on
// the event loop's thread; in workers they run on every core there is, and the event loop stays free.
// Processes, not worker threads: a thread's memory stayed in the server after it ended (malloc keeps a
// thread's arena), 25-45 MiB after each long verify; a process gives all of it back when it exits, for ~15 ms
// more to start.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { fork } from 'node:child_process';
import type { ChainStretch } from '../../domain/audit/chain-verifier.js';

export interface StretchJob {
  file: string;
  realmId: string;
  fromSeq: number;
  toSeq: number;
}

export interface ChainWorkerOptions {
  /** Ranges shorter than this are walked on the event loop: a worker takes ~50 ms to start. */
  minEntries?: number;
  /** Workers for one range (default: the cores, at most 4). */
  workers?: number;
  /** Told when a worker fails (verify then walks the range itself). */
  onError?: (error: unknown) => void;
}

const WORKER = new URL('./chain-worker.js', import.meta.url);
// Run from the TypeScript sources (the tests), there is no built worker to start: verify walks instead.
let built: boolean | undefined;
const workerBuilt = () => (built ??= WORKER.pathname.endsWith('.js') && existsSync(fileURLToPath(WORKER)));

// Workers running for this process, for every verify together: forty verifies at once must not start 160
// (a review measured 2 GB of memory that way). A verify that finds no room walks on the event loop.
const MAX_RUNNING = Math.max(4, availableParallelism());
let running = 0;

/** A started worker: its stretch when it sends it, and a way to stop it if another one failed. */
function startStretch(job: StretchJob) {
  // No shell, no inherited flags (a --cpu-prof or --inspect of the server's), and none of the server's
  // environment: the worker needs only the file and the range (and, on Windows, SystemRoot, without which
  // Node's crypto cannot start).
  const env = process.env.SystemRoot ? { SystemRoot: process.env.SystemRoot } : {};
  const worker = fork(fileURLToPath(WORKER), [JSON.stringify(job)], { execArgv: [], env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'json' });
  let stderr = '';
  worker.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-2000)));
  const stretch = new Promise<ChainStretch>((resolve, reject) => {
    worker.once('message', (message) => resolve(message as ChainStretch));
    worker.once('error', reject);
    worker.once('exit', (code, signal) => reject(new Error(`a chain worker exited (${signal ?? code}) without an answer: ${stderr.trim().split('\n').at(-1) ?? ''}`)));
  });
  return { stretch, stop: () => void worker.kill() };
}

/** checkChain over the database file `file`; null where workers would not help (or cannot start). */
export function chainWorkers(file: string, options: ChainWorkerOptions = {}) {
  const minEntries = options.minEntries ?? 50_000;
  const perRange = Math.max(1, options.workers ?? Math.min(availableParallelism(), 4));
  return async (realmId: string, fromSeq: number, toSeq: number): Promise<ChainStretch[] | null> => {
    const total = toSeq - fromSeq + 1;
    const count = Math.min(perRange, MAX_RUNNING - running);
    if (total < minEntries || count < 1 || !workerBuilt()) return null;
    const size = Math.ceil(total / count);
    const jobs: StretchJob[] = [];
    for (let from = fromSeq; from <= toSeq; from += size) jobs.push({ file, realmId, fromSeq: from, toSeq: Math.min(toSeq, from + size - 1) });
    running += jobs.length;
    const started = jobs.map(startStretch);
    try {
      return await Promise.all(started.map((w) => w.stretch));
    } catch (error) {
      // A worker that cannot start or read: the walk on the event loop reads the same rows and reports any
      // failure of the database itself.
      options.onError?.(error);
      return null;
    } finally {
      // (Those that answered have ended; the others are stopped, not left reading beside the walk.)
      started.forEach((w) => w.stop());
      running -= jobs.length;
    }
  };
}
