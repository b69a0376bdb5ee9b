import type { DomainContext } from '../context.js';
import { livenessOf } from '../fleet/liveness.js';
import { checkBudgets } from '../ledger/check.js';
import { requireNode } from '../hierarchy/guards.js';
import { takeableMissions } from '../mission/guards.js';
import { requireRealm } from '../realm/guards.js';

export type ContextMode = 'thin' | 'full';

/**
 * What an agent needs to start work: thin is just who and where; full adds its node, chain of command, its
 * own open missions, the queued missions it could take, its budget check, and the active directives that
 * apply to it (realm-level, owned by it or anyone above it, or linked to its missions), and its liveness with
 * the heartbeat interval it is asked to keep. The agent_briefing
 * prompt and pulses send this same context.
 */
export function agentContext(ctx: DomainContext, realmId: string, agentId: string, mode: ContextMode) {
  return ctx.store.read(function* (tx) {
    const realm = yield* requireRealm(tx, realmId);
    const node = yield* requireNode(tx, realmId, agentId);
    if (mode === 'thin') return { realmId, agentId, mode } as const;
    const chain = yield* tx.nodes.chain(realmId, agentId);
    const own = yield* tx.missions.assignedTo(realmId, agentId, ['active', 'review', 'blocked']);
    const takeable = yield* takeableMissions(tx, ctx.clock, node);
    const above = new Set(chain.map((n) => n.agentId));
    const linked = new Set(own.map((m) => m.directiveId).filter(Boolean));
    const directives = (yield* tx.directives.all(realmId)).filter(
      (d) => d.status === 'active' && (d.level === 'realm' || (d.ownerAgentId !== null && above.has(d.ownerAgentId)) || linked.has(d.id)),
    );
    return {
      realmId,
      agentId,
      mode,
      node,
      chainOfCommand: chain,
      liveness: {
        state: livenessOf(node, ctx.clock.now(), realm.fleet, (yield* tx.runs.runningFor(realmId, agentId)).length > 0),
        heartbeatIntervalSecs: realm.fleet.heartbeatIntervalSecs,
      },
      missions: {
        active: own.filter((m) => m.status === 'active'),
        review: own.filter((m) => m.status === 'review'),
        blocked: own.filter((m) => m.status === 'blocked'),
      },
      takeableMissions: takeable,
      budget: yield* checkBudgets(tx, ctx.clock, realmId, agentId),
      directives,
    } as const;
  });
}
