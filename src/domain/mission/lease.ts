// Mission leases. The lease lives on the mission: `fence` grows by one with every checkout or claim that hands
// it to an agent, and `leaseExpiresAt` is when it lapses. Only a heartbeating holder has an expiry: an agent
// that never sent a heartbeat is driven by pulses or a human, and nothing changes for it (null: no expiry).
import type { Clock } from '../clock.js';
import { DomainError } from '../errors.js';
import type { FleetSettings } from '../fleet/settings.js';
import type { Node } from '../hierarchy/model.js';
import type { Step, Tx } from '../store.js';
import type { Mission } from './model.js';

/** When a lease given to (or renewed by) this holder now ends; null when the holder never sent a heartbeat. */
export const leaseUntil = (holder: Pick<Node, 'heartbeatAt'> | null, clock: Clock, fleet: Pick<FleetSettings, 'leaseSecs'>) =>
  holder?.heartbeatAt ? new Date(clock.now().getTime() + fleet.leaseSecs * 1000).toISOString() : null;

/** A caller that passes a fence must hold the current one: a holder back late cannot overwrite its successor. */
export function requireFence(mission: Mission, fence: number | undefined) {
  if (fence === undefined || fence === mission.fence) return;
  throw new DomainError('conflict', `mission ${mission.id} was checked out again since fence ${fence} (now ${mission.fence})`, {
    fence: mission.fence,
    given: fence,
  });
}

/** The holder's own call on its active mission (a comment, an update) renews its leases, as its heartbeat does. */
export function* renewHolderLease(tx: Tx, clock: Clock, fleet: Pick<FleetSettings, 'leaseSecs'>, mission: Mission, agentId: string): Step<void> {
  if (mission.status !== 'active' || mission.assigneeId !== agentId) return;
  const until = leaseUntil(yield* tx.nodes.get(mission.realmId, agentId), clock, fleet);
  if (until) yield* tx.missions.renewLeases(mission.realmId, agentId, until);
}
