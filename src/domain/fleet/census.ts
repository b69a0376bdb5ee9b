// Agents counted by liveness: for the metrics gauge (every realm) and for queue statistics (one realm).
import type { DomainContext } from '../context.js';
import type { Realm } from '../realm/model.js';
import type { Keyed, SortKey, Step, Tx } from '../store.js';
import { type Liveness, livenessOf, livenessStates } from './liveness.js';

/** Liveness, or `none` for an agent that never sent a heartbeat. */
export type LivenessCount = Record<Liveness | 'none', number>;

const zero = (): LivenessCount => Object.fromEntries([...livenessStates, 'none'].map((s) => [s, 0])) as LivenessCount;

/** The realm's agents that are not terminated, by liveness at `now`: one indexed query (NodeRepo.beats). */
export function* agentsByLiveness(tx: Tx, realm: Realm, now: Date, into: LivenessCount = zero()): Step<LivenessCount> {
  for (const beat of yield* tx.nodes.beats(realm.id)) into[livenessOf(beat, now, realm.fleet, beat.running) ?? 'none']++;
  return into;
}

const PAGE = 500;

/**
 * Every realm's agents by liveness, summed. Each realm has its own heartbeat timeout, so the count goes realm
 * by realm (one query each, in one read transaction) rather than one grouped query over all nodes.
 */
export function fleetCensus(ctx: Pick<DomainContext, 'store' | 'clock'>): Promise<LivenessCount> {
  return ctx.store.read(function* (tx) {
    const now = ctx.clock.now();
    const counts = zero();
    let after: SortKey | null = null;
    for (;;) {
      const page: Keyed<Realm>[] = yield* tx.realms.page({ after, limit: PAGE });
      for (const { record } of page) yield* agentsByLiveness(tx, record, now, counts);
      if (page.length < PAGE) break;
      after = page.at(-1)!.key;
    }
    return counts;
  });
}
