// blockedBy on create and update: every blocker is a mission of the realm, and no mission waits on itself,
// directly or through others. The list lives on the mission; mission_blockers is kept in step with it here.
import { DomainError } from '../errors.js';
import type { Step, Tx } from '../store.js';
import { requireMission } from './guards.js';

/** Each blocker must be a mission of the realm (not_found names the first missing one, field blockedBy). */
export function* requireBlockers(tx: Tx, realmId: string, blockerIds: readonly string[]): Step<void> {
  for (const id of blockerIds) yield* requireMission(tx, realmId, id, 'blockedBy');
}

/** Refuses a blocker list that would close a loop: the mission itself, or a mission that waits on it. */
export function* refuseLoop(tx: Tx, realmId: string, missionId: string, blockerIds: readonly string[]): Step<void> {
  if (blockerIds.length === 0) return;
  const loop = blockerIds.includes(missionId) ? [missionId, missionId] : yield* tx.missionBlockers.loopThrough(realmId, missionId, blockerIds);
  if (loop) {
    throw new DomainError('cycle_detected', `mission ${missionId} cannot wait for ${loop[1]}: ${loop.join(' -> ')} would wait in a loop`, {
      field: 'blockedBy',
      blockerId: loop[1],
      loop,
    });
  }
}

