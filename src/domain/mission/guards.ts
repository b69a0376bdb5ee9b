import { notFound } from '../errors.js';
import type { Node } from '../hierarchy/model.js';
import type { Step, Tx } from '../store.js';
import type { Mission } from './model.js';

export function* requireMission(tx: Tx, realmId: string, id: string, field = 'id'): Step<Mission> {
  const mission = yield* tx.missions.get(realmId, id);
  if (!mission) throw notFound('mission', id, { field, realmId });
  return mission;
}

/** The required capabilities the agent lacks for the mission (none: it may take it). */
export const missingCapabilities = (mission: Mission, node: Node) => mission.requiredCapabilities.filter((c) => !node.capabilities.includes(c));

/** Queued, unassigned missions the agent has every required capability for (the first `limit` by urgency). */
export function* takeableMissions(tx: Tx, node: Node, limit = 200): Step<Mission[]> {
  const queued = yield* tx.missions.inStatuses(node.realmId, ['queued'], limit);
  return queued.filter((m) => m.assigneeId === null && missingCapabilities(m, node).length === 0);
}

/** Whether `agentId` is above `otherId` in the chain of command: on the way up from it, past itself (one indexed lookup per level). */
export function* isAbove(tx: Tx, realmId: string, agentId: string, otherId: string | null): Step<boolean> {
  if (!otherId) return false;
  return (yield* tx.nodes.chain(realmId, otherId)).slice(1).some((n) => n.agentId === agentId);
}

/** The mission's blockers that are not complete yet (a blocker no longer there does not block). */
export function* openBlockers(tx: Tx, mission: Mission): Step<string[]> {
  const open: string[] = [];
  for (const id of mission.blockedBy) {
    const blocker = yield* tx.missions.get(mission.realmId, id);
    if (blocker && blocker.status !== 'complete') open.push(id);
  }
  return open;
}
