import { appendAudit } from '../audit/chain.js';
import { isoNow } from '../clock.js';
import type { DomainContext } from '../context.js';
import { DomainError } from '../errors.js';
import { requireWithinBudget } from '../ledger/check.js';
import { actorFrom } from '../principal.js';
import { requireWritableRealm } from '../realm/guards.js';
import { requireWorker } from './guards.js';
import type { ClaimNext } from './inputs.js';
import { leaseUntil } from './lease.js';
import type { Mission } from './model.js';

export interface Claim {
  mission: Mission | null;
  lease: { fence: number; expiresAt: string | null } | null;
}

/**
 * Claim-next: the gates of checkout (writable realm, active node, budget) plus liveness, then one conditional
 * UPDATE that picks and takes the best mission the agent can take. The unit of work is one IMMEDIATE
 * transaction, so concurrent claimers in any number of processes never get the same mission.
 */
export function claimNext(ctx: DomainContext, input: ClaimNext): Promise<Claim> {
  return ctx.store.write(function* (tx) {
    const realm = yield* requireWritableRealm(tx, input.realmId);
    const agent = yield* requireWorker(tx, ctx.clock, realm, input.agentId);
    yield* requireWithinBudget(tx, ctx.clock, input.realmId, input.agentId);

    const mission = yield* tx.missions.claimNext({
      realmId: input.realmId,
      agentId: input.agentId,
      region: input.region ?? agent.region,
      now: isoNow(ctx.clock),
      leaseExpiresAt: leaseUntil(agent, ctx.clock, realm.fleet),
    });
    if (!mission) return { mission: null, lease: null };
    yield* appendAudit(tx, ctx.clock, {
      realmId: input.realmId,
      actor: actorFrom(ctx.principal, input.agentId),
      action: 'checked_out',
      entityType: 'mission',
      entityId: mission.id,
      details: { from: 'queued', assigneeId: input.agentId, claimed: true, fence: mission.fence },
    });
    tx.announce({ topic: 'mission.lifecycle', realmId: input.realmId, payload: { missionId: mission.id, event: 'checked_out', status: 'active', claimed: true } });
    return { mission, lease: { fence: mission.fence, expiresAt: mission.leaseExpiresAt } };
  });
}
