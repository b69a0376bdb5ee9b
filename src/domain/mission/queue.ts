import { isoNow } from '../clock.js';
import type { DomainContext } from '../context.js';
import { priorities, type Priority } from '../directive/model.js';
import { type Liveness, livenessOf, livenessStates } from '../fleet/liveness.js';
import { requireRealm } from '../realm/guards.js';

/** The queue's columns: claimable now, waiting for a retry, waiting for blockers, held, dead letters. */
export const queueColumns = ['queued', 'retrying', 'blocked', 'active', 'failed'] as const;
type Column = (typeof queueColumns)[number];

export interface QueueStats {
  missions: Record<Column, { total: number; byPriority: Record<Priority, number> }>;
  /** Seconds since the oldest queued mission (retrying and blocked ones too) was created; null: none queued. */
  oldestWaitingSecs: number | null;
  /** Non-terminated agents by liveness; `silent` ones never sent a heartbeat. */
  agents: Record<Liveness | 'silent', number>;
  at: string;
}

const column = (status: string, retrying: boolean, waiting: boolean): Column =>
  status === 'queued' ? (retrying ? 'retrying' : waiting ? 'blocked' : 'queued') : (status as Column);

/** mission_queue: the seed's /queue and /stats. Missions are counted in SQL; agents by liveness from the org. */
export function missionQueue(ctx: DomainContext, realmId: string): Promise<QueueStats> {
  return ctx.store.read(function* (tx) {
    const realm = yield* requireRealm(tx, realmId);
    const now = ctx.clock.now();
    const missions = Object.fromEntries(
      queueColumns.map((c) => [c, { total: 0, byPriority: Object.fromEntries(priorities.map((p) => [p, 0])) }]),
    ) as QueueStats['missions'];
    let oldest: string | null = null;
    for (const row of yield* tx.missions.queueCounts(realmId, isoNow(ctx.clock))) {
      const into = missions[column(row.status, row.retrying, row.waiting)];
      into.total += row.count;
      into.byPriority[row.priority] += row.count;
      if (row.status === 'queued' && (oldest === null || row.oldest < oldest)) oldest = row.oldest;
    }
    const busy = new Set((yield* tx.runs.runningInRealm(realmId)).map((r) => r.agentId));
    const agents = Object.fromEntries([...livenessStates, 'silent'].map((s) => [s, 0])) as QueueStats['agents'];
    for (const node of yield* tx.nodes.all(realmId)) {
      if (node.status === 'terminated') continue;
      agents[livenessOf(node, now, realm.fleet, busy.has(node.agentId)) ?? 'silent'] += 1;
    }
    return {
      missions,
      oldestWaitingSecs: oldest === null ? null : Math.max(0, Math.floor((now.getTime() - Date.parse(oldest)) / 1000)),
      agents,
      at: now.toISOString(),
    };
  });
}
