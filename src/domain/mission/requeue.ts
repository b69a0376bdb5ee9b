import { appendAudit } from '../audit/chain.js';
import { isoNow } from '../clock.js';
import type { Clock } from '../clock.js';
import type { Actor } from '../principal.js';
import type { Step, Tx } from '../store.js';
import { casOrConflict } from '../versions.js';
import type { Mission } from './model.js';

/**
 * Sends a mission back to queued with no assignee, inside the caller's unit of work: a release, or an agent
 * leaving the org (removed or terminated).
 */
export function* requeueMission(tx: Tx, clock: Clock, mission: Mission, actor: Actor, reason: string): Step<Mission> {
  const updated = casOrConflict(
    yield* tx.missions.update(mission.realmId, mission.id, mission.version, {
      status: 'queued',
      assigneeId: null,
      leaseExpiresAt: null,
      updatedAt: isoNow(clock),
    }),
    'mission', mission.id, mission,
  );
  yield* appendAudit(tx, clock, {
    realmId: mission.realmId,
    actor,
    action: 'released',
    entityType: 'mission',
    entityId: mission.id,
    details: { from: mission.status, previousAssignee: mission.assigneeId, reason },
  });
  tx.announce({ topic: 'mission.lifecycle', realmId: mission.realmId, payload: { missionId: mission.id, event: 'released', status: 'queued' } });
  return updated;
}
