import { notFound } from '../errors.js';
import type { Step, Tx } from '../store.js';
import type { Run, Runtime } from './model.js';

/** A runtime usable in a realm: its own, or a global one. Another realm's runtime does not exist there. */
export function* requireRuntimeFor(tx: Tx, realmId: string, runtimeId: string, field = 'runtimeId'): Step<Runtime> {
  const runtime = yield* tx.runtimes.get(runtimeId);
  if (!runtime || (runtime.realmId !== null && runtime.realmId !== realmId)) throw notFound('runtime', runtimeId, { field });
  return runtime;
}

/** A run of this realm. */
export function* requireRunIn(tx: Tx, realmId: string, runId: string, field = 'runId'): Step<Run> {
  const run = yield* tx.runs.get(runId);
  if (!run || run.realmId !== realmId) throw notFound('run', runId, { field });
  return run;
}
