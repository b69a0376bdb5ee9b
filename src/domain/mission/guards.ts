import { type Clock, isoNow } from '../clock.js';
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

/**
 * What the agent could claim now (capabilities held, blockers complete, retry time passed), in claim order, at
 * most `limit`: what the briefing offers and what a pulse's idle check looks for, so that neither wakes an
 * agent for work mission_claim_next would not give it.
 */
export function* takeableMissions(tx: Tx, clock: Clock, node: Node, limit = 200): Step<Mission[]> {
  return yield* tx.missions.takeable({ realmId: node.realmId, agentId: node.agentId, region: node.region, now: isoNow(clock), limit });
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
