// Store.checkChain for SQLite on a file: the range is cut into consecutive stretches, each checked by a worker
// thread with its own read-only connection (chain-worker.ts), all at once. Verify's walk spends about two
// thirds of its time in SQLite building each entry's hash input and a third hashing it, both on one core and on
// the event loop's thread; in workers they run on every core there is, and the event loop stays free.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ChainStretch } from '../../domain/audit/chain-verifier.js';

export interface StretchJob {
  file: string;
  realmId: string;
  fromSeq: number;
  toSeq: number;
}

export interface ChainWorkerOptions {
  /** Ranges shorter than this are walked on the event loop: a worker takes ~40 ms to start. */
  minEntries?: number;
  /** Workers for one range (default: the cores, at most 4). */
  threads?: number;
}

const WORKER = new URL('./chain-worker.js', import.meta.url);
// Run from the TypeScript sources (the tests), there is no built worker to start: verify walks instead.
let built: boolean | undefined;
const workerBuilt = () => (built ??= WORKER.pathname.endsWith('.js') && existsSync(fileURLToPath(WORKER)));

function checkStretch(job: StretchJob): Promise<ChainStretch> {
  return new Promise((resolve, reject) => {
    // A worker's garbage is short-lived (a group's lines): a small young generation keeps its memory down
    // (peak RSS of a 1M-entry verify 157 -> 143 MiB here) at no measurable cost in time.
    const worker = new Worker(WORKER, { workerData: job, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`a chain worker exited (${code}) without an answer`)));
  });
}

/** checkChain over the database file `file`; null where workers would not help (or cannot start). */
export function chainWorkers(file: string, options: ChainWorkerOptions = {}) {
  const minEntries = options.minEntries ?? 50_000;
  const threads = Math.max(1, options.threads ?? Math.min(availableParallelism(), 4));
  return async (realmId: string, fromSeq: number, toSeq: number): Promise<ChainStretch[] | null> => {
    const total = toSeq - fromSeq + 1;
    if (total < minEntries || !workerBuilt()) return null;
    const size = Math.ceil(total / threads);
    const jobs: StretchJob[] = [];
    for (let from = fromSeq; from <= toSeq; from += size) jobs.push({ file, realmId, fromSeq: from, toSeq: Math.min(toSeq, from + size - 1) });
    try {
      return await Promise.all(jobs.map(checkStretch));
    } catch {
      // A worker that cannot start or read: the walk on the event loop reads the same rows and reports any
      // failure of the database itself.
      return null;
    }
  };
}
