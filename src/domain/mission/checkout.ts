import { appendAudit } from '../audit/chain.js';
import { isoNow } from '../clock.js';
import type { DomainContext } from '../context.js';
import { DomainError } from '../errors.js';
import { requireWithinBudget } from '../ledger/check.js';
import { actorFrom } from '../principal.js';
import { requireWritableRealm } from '../realm/guards.js';
import { casOrConflict, checkVersion } from '../versions.js';
import { missingCapabilities, openBlockers, requireMission, requireWorker } from './guards.js';
import { leaseUntil } from './lease.js';
import type { Checkout } from './inputs.js';
import type { Mission } from './model.js';
import { notCheckoutable, transitionMoves } from './moves.js';

/**
 * Atomic checkout: every check and the conditional UPDATE run in one IMMEDIATE transaction, so of any number
 * of concurrent callers, in any number of processes, exactly one wins and the others see `conflict`.
 */
export function checkoutMission(ctx: DomainContext, input: Checkout): Promise<Mission> {
  return ctx.store.write(function* (tx) {
    const realm = yield* requireWritableRealm(tx, input.realmId);
    const mission = yield* requireMission(tx, input.realmId, input.id);
    // The holder asking again gets the mission unchanged: a retry after a lost answer is safe.
    if (mission.status === 'active' && mission.assigneeId === input.agentId) return mission;
    if (notCheckoutable.includes(mission.status)) {
      throw new DomainError('invalid_transition', `mission ${mission.id} is ${mission.status}: it cannot be checked out`, {
        from: mission.status,
        to: 'active',
        allowed: transitionMoves[mission.status],
      });
    }
    if (mission.assigneeId !== null && mission.assigneeId !== input.agentId) {
      throw new DomainError('conflict', `mission ${mission.id} is held by ${mission.assigneeId}`, {
        holderId: mission.assigneeId,
        status: mission.status,
        version: mission.version,
      });
    }
    checkVersion('mission', mission.id, mission, input.expectedVersion);
    const blockedBy = yield* openBlockers(tx, mission);
    if (blockedBy.length) {
      throw new DomainError('conflict', `mission ${mission.id} waits for missions that are not complete: ${blockedBy.join(', ')}`, { blockedBy });
    }

    const agent = yield* requireWorker(tx, ctx.clock, realm, input.agentId);
    const missing = missingCapabilities(mission, agent);
    if (missing.length) {
      throw new DomainError('forbidden', `agent ${input.agentId} lacks required capabilities: ${missing.join(', ')}`, { agentId: input.agentId, missing });
    }
    yield* requireWithinBudget(tx, ctx.clock, input.realmId, input.agentId);

    const now = isoNow(ctx.clock);
    const updated = casOrConflict(
      yield* tx.missions.update(input.realmId, mission.id, mission.version, {
        status: 'active',
        assigneeId: input.agentId,
        startedAt: now,
        updatedAt: now,
        // A new holder: the fence moves on, so the previous holder's late calls are refused.
        fence: mission.fence + 1,
        leaseExpiresAt: leaseUntil(agent, ctx.clock, realm.fleet),
      }),
      'mission', mission.id, mission,
    );
    yield* appendAudit(tx, ctx.clock, {
      realmId: input.realmId,
      actor: actorFrom(ctx.principal, input.agentId),
      action: 'checked_out',
      entityType: 'mission',
      entityId: mission.id,
      details: { from: mission.status, assigneeId: input.agentId },
    });
    tx.announce({ topic: 'mission.lifecycle', realmId: input.realmId, payload: { missionId: mission.id, event: 'checked_out', status: 'active' } });
    return updated;
  });
}
