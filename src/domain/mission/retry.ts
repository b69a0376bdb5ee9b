// A failed attempt: back to the queue after an exponential backoff, or a dead letter (status failed). Shared by
// mission_fail and the lease sweep (an expired lease is a retryable failure).
import { appendAudit } from '../audit/chain.js';
import { isoNow, type Clock } from '../clock.js';
import type { FleetSettings } from '../fleet/settings.js';
import type { Actor } from '../principal.js';
import type { Step, Tx } from '../store.js';
import { casOrConflict } from '../versions.js';
import type { Mission } from './model.js';

type RetrySettings = Pick<FleetSettings, 'maxAttempts' | 'retryBaseSecs' | 'retryMaxSecs'>;

/**
 * Seconds to wait after the failure of attempt number `attempts` (0 for the first): retryBaseSecs doubled per
 * earlier failure, plus up to half again at random (proportional jitter, so retries of missions that failed
 * together spread out, and each delay stays above the previous one's range), capped at retryMaxSecs.
 */
export const retryDelaySecs = (attempts: number, fleet: RetrySettings, random: () => number = Math.random) =>
  Math.min(fleet.retryMaxSecs, fleet.retryBaseSecs * 2 ** attempts * (1 + random() / 2));

export interface Failure {
  actor: Actor;
  reason: string;
  retryable: boolean;
  /** The audit action: lease_expired for the sweep; otherwise retry_scheduled or dead_lettered by outcome. */
  action?: 'lease_expired';
}

/** Ends the mission's attempt inside the caller's unit of work; returns the mission after it. */
export function* failAttempt(tx: Tx, clock: Clock, fleet: RetrySettings, mission: Mission, failure: Failure): Step<Mission> {
  const now = clock.now();
  const attempts = mission.attempts + 1;
  const retry = failure.retryable && attempts < (mission.maxAttempts ?? fleet.maxAttempts);
  const retryAt = retry ? new Date(now.getTime() + retryDelaySecs(mission.attempts, fleet) * 1000).toISOString() : null;
  const outcome = retry ? 'retry_scheduled' : 'dead_lettered';
  const updated = casOrConflict(
    yield* tx.missions.update(mission.realmId, mission.id, mission.version, {
      status: retry ? 'queued' : 'failed',
      assigneeId: null,
      attempts,
      retryAt,
      lastError: failure.reason,
      leaseExpiresAt: null,
      updatedAt: isoNow(clock),
    }),
    'mission', mission.id, mission,
  );
  yield* appendAudit(tx, clock, {
    realmId: mission.realmId,
    actor: failure.actor,
    action: failure.action ?? outcome,
    entityType: 'mission',
    entityId: mission.id,
    details: { from: mission.status, previousAssignee: mission.assigneeId, reason: failure.reason, retryable: failure.retryable, attempts, outcome, retryAt },
  });
  tx.announce({
    topic: 'mission.lifecycle',
    realmId: mission.realmId,
    payload: { missionId: mission.id, event: failure.action ?? outcome, outcome, status: updated.status },
  });
  return updated;
}
