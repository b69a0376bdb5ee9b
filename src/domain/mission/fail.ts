import type { DomainContext } from '../context.js';
import { DomainError } from '../errors.js';
import { requireActor } from '../hierarchy/guards.js';
import { actorFrom } from '../principal.js';
import { requireWritableRealm } from '../realm/guards.js';
import { isAbove, requireMission } from './guards.js';
import type { FailMission } from './inputs.js';
import { requireFence } from './lease.js';
import type { Mission } from './model.js';
import { failAttempt } from './retry.js';

/**
 * mission_fail: the holder (or an agent above it) reports that the attempt failed. Retryable and attempts
 * left: back to queued after a backoff; otherwise a dead letter (status failed).
 */
export function failMission(ctx: DomainContext, input: FailMission): Promise<Mission> {
  return ctx.store.write(function* (tx) {
    const realm = yield* requireWritableRealm(tx, input.realmId);
    const mission = yield* requireMission(tx, input.realmId, input.id);
    yield* requireActor(tx, input.realmId, input.agentId);
    if (mission.status !== 'active') {
      throw new DomainError('invalid_transition', `mission ${mission.id} is ${mission.status}: only an active mission's attempt can fail`, {
        from: mission.status,
        to: 'failed',
        allowed: ['queued', 'failed'],
      });
    }
    const allowed = mission.assigneeId === input.agentId || (yield* isAbove(tx, input.realmId, input.agentId, mission.assigneeId));
    if (!allowed) {
      throw new DomainError('forbidden', `only the assignee (${mission.assigneeId}) or an agent above it may fail mission ${mission.id}`, {
        agentId: input.agentId,
        assigneeId: mission.assigneeId,
      });
    }
    requireFence(mission, input.fence);
    return yield* failAttempt(tx, ctx.clock, realm.fleet, mission, {
      actor: actorFrom(ctx.principal, input.agentId),
      reason: input.reason,
      retryable: input.retryable,
    });
  });
}
