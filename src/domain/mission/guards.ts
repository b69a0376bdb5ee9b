import { type Clock, isoNow } from '../clock.js';
import { DomainError, notFound } from '../errors.js';
import { livenessOf, takesWork } from '../fleet/liveness.js';
import type { Realm } from '../realm/model.js';
import type { Node } from '../hierarchy/model.js';
import type { Step, Tx } from '../store.js';
import type { Mission } from './model.js';

export function* requireMission(tx: Tx, realmId: string, id: string, field = 'id'): Step<Mission> {
  const mission = yield* tx.missions.get(realmId, id);
  if (!mission) throw notFound('mission', id, { field, realmId });
  return mission;
}

/**
 * The agent that is to hold a mission (checkout, claim, delegation): a node of the realm, active, and not
 * offline, draining or failed by its heartbeats (agents that never sent one have liveness null and pass).
 */
export function* requireWorker(tx: Tx, clock: Clock, realm: Realm, agentId: string): Step<Node> {
  const agent = yield* tx.nodes.get(realm.id, agentId);
  if (!agent) throw new DomainError('forbidden', `agent ${agentId} is not in the org chart of realm ${realm.id}`, { agentId, reason: 'not_a_node' });
  if (agent.status !== 'active') throw new DomainError('forbidden', `agent ${agentId} is ${agent.status} and cannot take missions`, { agentId, reason: agent.status });
  // Runs are read only for an agent that heartbeats (liveness is null otherwise, whatever runs it has).
  const running = agent.heartbeatAt !== null && (yield* tx.runs.runningFor(realm.id, agentId)).length > 0;
  const liveness = livenessOf(agent, clock.now(), realm.fleet, running);
  if (!takesWork(liveness)) {
    throw new DomainError('forbidden', `agent ${agentId} is ${liveness} and is handed no work (a heartbeat brings it back)`, { agentId, reason: 'liveness', liveness });
  }
  return agent;
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
