import { appendAudit } from '../audit/chain.js';
import { isoNow } from '../clock.js';
import type { DomainContext } from '../context.js';
import { DomainError } from '../errors.js';
import { requireActor } from '../hierarchy/guards.js';
import { actorFrom } from '../principal.js';
import { requireWritableRealm } from '../realm/guards.js';
import type { Step, Tx } from '../store.js';
import { casOrConflict, checkVersion } from '../versions.js';
import { isAbove, requireMission } from './guards.js';
import type { Release, Transition } from './inputs.js';
import type { Mission } from './model.js';
import { finalStatuses, releaseFrom, transitionMoves, unassignedStatuses } from './moves.js';
import { leaseUntil, requireFence } from './lease.js';
import { requeueMission } from './requeue.js';

/** Human roles that may move a dead letter on anyone's behalf. */
const operatorRoles: readonly string[] = ['admin', 'operator'];

export function releaseMission(ctx: DomainContext, input: Release): Promise<Mission> {
  return ctx.store.write(function* (tx) {
    yield* requireWritableRealm(tx, input.realmId);
    const mission = yield* requireMission(tx, input.realmId, input.id);
    yield* requireActor(tx, input.realmId, input.agentId);
    if (!releaseFrom.includes(mission.status)) {
      throw new DomainError('invalid_transition', `mission ${mission.id} is ${mission.status}: only active, blocked or review missions can be released`, {
        from: mission.status,
        to: 'queued',
        allowed: transitionMoves[mission.status],
      });
    }
    const allowed = mission.assigneeId === input.agentId || (yield* isAbove(tx, input.realmId, input.agentId, mission.assigneeId));
    if (!allowed) {
      throw new DomainError('forbidden', `only the assignee (${mission.assigneeId}) or an agent above it may release mission ${mission.id}`, {
        agentId: input.agentId,
        assigneeId: mission.assigneeId,
      });
    }
    checkVersion('mission', mission.id, mission, input.expectedVersion);
    requireFence(mission, input.fence);
    return yield* requeueMission(tx, ctx.clock, mission, actorFrom(ctx.principal, input.agentId), 'released');
  });
}

export function transitionMission(ctx: DomainContext, input: Transition): Promise<Mission> {
  return ctx.store.write(function* (tx) {
    const realm = yield* requireWritableRealm(tx, input.realmId);
    const mission = yield* requireMission(tx, input.realmId, input.id);
    yield* requireActor(tx, input.realmId, input.agentId);
    const permitted =
      input.agentId === mission.assigneeId ||
      input.agentId === mission.createdBy ||
      (yield* isAbove(tx, input.realmId, input.agentId, mission.assigneeId)) ||
      // A dead letter has no assignee (so no one above it): an operator may requeue or cancel it as any node.
      (mission.status === 'failed' && operatorRoles.includes(ctx.principal.role));
    if (!permitted) {
      throw new DomainError('forbidden', `agent ${input.agentId} is neither the assignee, the creator, nor above the assignee of mission ${mission.id}`, {
        agentId: input.agentId,
        assigneeId: mission.assigneeId,
        createdBy: mission.createdBy,
      });
    }
    // A requeue gives a dead letter a fresh set of attempts: that is a person's decision, not an agent's (an
    // agent that could requeue its own dead letters would retry forever). Agents may still cancel one.
    if (mission.status === 'failed' && input.status === 'queued' && !operatorRoles.includes(ctx.principal.role)) {
      throw new DomainError('forbidden', `only an operator or admin may requeue dead letter ${mission.id}`, { agentId: input.agentId, reason: 'operator_only' });
    }
    checkVersion('mission', mission.id, mission, input.expectedVersion);
    requireFence(mission, input.fence);
    const allowed = transitionMoves[mission.status];
    if (!allowed.includes(input.status)) {
      const hint = input.status === 'active' ? ': use mission_checkout to start work on it' : '';
      throw new DomainError('invalid_transition', `mission ${mission.id} cannot go from ${mission.status} to ${input.status}${hint}`, {
        from: mission.status,
        to: input.status,
        allowed,
        ...(hint ? { hint: 'use mission_checkout' } : {}),
      });
    }
    const now = isoNow(ctx.clock);
    const updated = casOrConflict(
      yield* tx.missions.update(input.realmId, mission.id, mission.version, {
        status: input.status,
        updatedAt: now,
        ...(unassignedStatuses.includes(input.status) ? { assigneeId: null } : {}),
        ...(finalStatuses.includes(input.status) ? { completedAt: now } : {}),
        // Only an active mission has a lease: back to active (from review) its holder gets a fresh one.
        leaseExpiresAt: input.status === 'active' ? leaseUntil(yield* tx.nodes.get(input.realmId, mission.assigneeId ?? ''), ctx.clock, realm.fleet) : null,
        // An operator's requeue of a dead letter gives it a fresh set of attempts (lastError stays, for the record).
        ...(mission.status === 'failed' && input.status === 'queued' ? { attempts: 0, retryAt: null } : {}),
      }),
      'mission', mission.id, mission,
    );
    yield* appendAudit(tx, ctx.clock, {
      realmId: input.realmId,
      actor: actorFrom(ctx.principal, input.agentId),
      action: 'transitioned',
      entityType: 'mission',
      entityId: mission.id,
      details: { from: mission.status, to: input.status, reason: input.reason ?? null },
    });
    tx.announce({ topic: 'mission.lifecycle', realmId: input.realmId, payload: { missionId: mission.id, event: 'transitioned', status: input.status } });
    return updated;
  });
}
