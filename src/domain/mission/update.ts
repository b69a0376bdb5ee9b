// mission_update: edits a mission's fields and, with assigneeId, delegates it (delegation.ts). Who may edit:
// the creator, the assignee, an agent above the assignee, or an operator acting as itself. A complete or
// cancelled mission takes no more edits. Only the fields that change are written and audited.
import { appendAudit } from '../audit/chain.js';
import { isoNow } from '../clock.js';
import type { DomainContext } from '../context.js';
import { requireDirective } from '../directive/guards.js';
import { DomainError } from '../errors.js';
import { actorFrom } from '../principal.js';
import { requireWritableRealm } from '../realm/guards.js';
import { casOrConflict, checkVersion, givenFields } from '../versions.js';
import { refuseLoop, requireBlockers } from './blockers.js';
import { actingFor, delegation } from './delegation.js';
import { renewHolderLease, requireFence } from './lease.js';
import { isAbove, requireMission } from './guards.js';
import type { UpdateMission } from './inputs.js';
import type { Mission } from './model.js';
import { finalStatuses } from './moves.js';

const editable = ['title', 'description', 'priority', 'requiredCapabilities', 'directiveId', 'maxAttempts', 'region', 'blockedBy'] as const;
type Edit = Partial<Pick<Mission, (typeof editable)[number]>>;

/** The given fields whose value differs from the mission's (arrays compared in order). */
const changes = (mission: Mission, given: Edit): Edit =>
  Object.fromEntries(Object.entries(given).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(mission[k as keyof Edit])));

export function updateMission(ctx: DomainContext, input: UpdateMission): Promise<Mission> {
  return ctx.store.write(function* (tx) {
    const realm = yield* requireWritableRealm(tx, input.realmId);
    const mission = yield* requireMission(tx, input.realmId, input.id);
    if (finalStatuses.includes(mission.status)) {
      throw new DomainError('invalid_transition', `mission ${mission.id} is ${mission.status}: it takes no more updates`, { from: mission.status, allowed: [] });
    }
    const acting = yield* actingFor(tx, ctx, input.realmId, input.agentId);
    const given = givenFields(input, editable) as Edit;
    if (Object.keys(given).length && !acting.operator) {
      const permitted =
        input.agentId === mission.createdBy || input.agentId === mission.assigneeId || (yield* isAbove(tx, input.realmId, input.agentId, mission.assigneeId));
      if (!permitted) {
        throw new DomainError('forbidden', `agent ${input.agentId} is neither the creator, the assignee, nor above the assignee of mission ${mission.id}`, {
          agentId: input.agentId,
          assigneeId: mission.assigneeId,
          createdBy: mission.createdBy,
        });
      }
    }
    checkVersion('mission', mission.id, mission, input.expectedVersion);
    requireFence(mission, input.fence);

    if (given.directiveId) yield* requireDirective(tx, input.realmId, given.directiveId, 'directiveId');
    if (given.blockedBy) {
      yield* requireBlockers(tx, input.realmId, given.blockedBy);
      yield* refuseLoop(tx, input.realmId, mission.id, given.blockedBy);
    }
    const edit = changes(mission, given);
    const delegated =
      input.assigneeId !== undefined && input.assigneeId !== mission.assigneeId
        ? yield* delegation(tx, ctx, realm, { ...mission, ...edit }, input.assigneeId, acting)
        : null;
    const fields = Object.keys(edit);
    // The holder's own update renews its lease (before the update, so the returned mission shows it).
    if (!delegated) yield* renewHolderLease(tx, ctx.clock, realm.fleet, mission, input.agentId);
    if (fields.length === 0 && !delegated) return (yield* tx.missions.get(input.realmId, mission.id)) ?? mission;

    const updated = casOrConflict(
      yield* tx.missions.update(input.realmId, mission.id, mission.version, { ...edit, ...delegated, updatedAt: isoNow(ctx.clock) }),
      'mission', mission.id, mission,
    );
    if (edit.blockedBy) yield* tx.missionBlockers.set(input.realmId, mission.id, edit.blockedBy);
    const actor = actorFrom(ctx.principal, input.agentId);
    const entity = { realmId: input.realmId, actor, entityType: 'mission', entityId: mission.id } as const;
    if (fields.length) {
      yield* appendAudit(tx, ctx.clock, { ...entity, action: 'updated', details: { fields } });
      tx.announce({ topic: 'mission.lifecycle', realmId: input.realmId, payload: { missionId: mission.id, event: 'updated', status: updated.status } });
    }
    if (delegated) {
      yield* appendAudit(tx, ctx.clock, {
        ...entity,
        action: 'delegated',
        details: { from: mission.assigneeId, to: updated.assigneeId, status: { from: mission.status, to: updated.status }, fence: updated.fence },
      });
      tx.announce({
        topic: 'mission.lifecycle',
        realmId: input.realmId,
        payload: { missionId: mission.id, event: 'delegated', status: updated.status, assigneeId: updated.assigneeId },
      });
    }
    return updated;
  });
}
