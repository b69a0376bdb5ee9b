// Delegation: mission_update with an assigneeId gives the mission to another agent. Who may: an operator (or
// admin) acting under its own id, or an agent above the current holder handing it to itself or to someone
// under it (for an unassigned mission, only the second half applies). The new assignee must be able to check
// it out: an active node with the required capabilities, within budget.
import { isoNow } from '../clock.js';
import type { DomainContext } from '../context.js';
import { DomainError } from '../errors.js';
import { requireWithinBudget } from '../ledger/check.js';
import type { Realm } from '../realm/model.js';
import type { Step, Tx } from '../store.js';
import { isAbove, missingCapabilities, openBlockers, requireWorker } from './guards.js';
import { leaseUntil } from './lease.js';
import type { Mission, MissionStatus } from './model.js';
import { transitionMoves } from './moves.js';

/** Who makes an update: an agent of the org (held to its place in it), or an operator acting as itself. */
export interface Acting {
  agentId: string;
  operator: boolean;
}

/**
 * The rights behind agentId: a node of the realm acts with that agent's rights, whoever the principal is (so
 * the audit names who was entitled); an id that is no node gives operator rights to an operator, admin or
 * the system, and nothing to an agent principal.
 */
export function* actingFor(tx: Tx, ctx: DomainContext, realmId: string, agentId: string): Step<Acting> {
  const node = yield* tx.nodes.get(realmId, agentId);
  if (node?.status === 'terminated') throw new DomainError('forbidden', `agent ${agentId} is terminated and may not act`, { agentId, reason: 'terminated' });
  if (node) return { agentId, operator: false };
  if (ctx.principal.role !== 'agent') return { agentId, operator: true };
  throw new DomainError('forbidden', `agent ${agentId} is not in the org chart of realm ${realmId}`, { agentId, reason: 'not_a_node' });
}

/**
 * The status a delegated mission ends in. Backlog and queued are the unassigned statuses (entering them clears
 * the assignee), so giving such a mission to an agent starts it, as a checkout does; a held mission keeps its
 * status. A dead letter goes back to the queue first (mission_transition), so that its retries start over.
 */
const delegatedTo: Record<MissionStatus, MissionStatus | null> = {
  backlog: 'active', queued: 'active', active: 'active', blocked: 'blocked', review: 'review',
  complete: null, cancelled: null, failed: null,
};

/**
 * Checks a delegation of `mission` (as the update leaves its other fields) to `assigneeId` and returns the
 * patch that makes it: the new holder, its status, a new fence (the holder changed, so the previous holder's
 * late calls are refused) and a lease.
 */
export function* delegation(tx: Tx, ctx: DomainContext, realm: Realm, mission: Mission, assigneeId: string, acting: Acting): Step<Partial<Mission>> {
  const status = delegatedTo[mission.status];
  if (!status) {
    throw new DomainError('invalid_transition', `mission ${mission.id} is ${mission.status}: it cannot be delegated`, {
      from: mission.status,
      allowed: transitionMoves[mission.status],
    });
  }
  if (!acting.operator) {
    const aboveHolder = mission.assigneeId === null || (yield* isAbove(tx, realm.id, acting.agentId, mission.assigneeId));
    const toOwnLine = assigneeId === acting.agentId || (yield* isAbove(tx, realm.id, acting.agentId, assigneeId));
    if (!aboveHolder || !toOwnLine) {
      throw new DomainError(
        'forbidden',
        aboveHolder
          ? `agent ${acting.agentId} may delegate only to itself or to an agent under it, not to ${assigneeId}`
          : `only an agent above the assignee (${mission.assigneeId}) or an operator may delegate mission ${mission.id}`,
        { agentId: acting.agentId, assigneeId: mission.assigneeId, newAssigneeId: assigneeId, reason: aboveHolder ? 'not_under_you' : 'not_above_assignee' },
      );
    }
  }
  const node = yield* requireWorker(tx, ctx.clock, realm, assigneeId);
  const missing = missingCapabilities(mission, node);
  if (missing.length) throw new DomainError('forbidden', `agent ${assigneeId} lacks required capabilities: ${missing.join(', ')}`, { agentId: assigneeId, missing });
  const starts = mission.assigneeId === null;
  if (starts) {
    // Starting it is what checkout does, and checkout refuses a mission that still waits for others.
    const blockedBy = yield* openBlockers(tx, mission);
    if (blockedBy.length) throw new DomainError('conflict', `mission ${mission.id} waits for missions that are not complete: ${blockedBy.join(', ')}`, { blockedBy });
  }
  yield* requireWithinBudget(tx, ctx.clock, realm.id, assigneeId);
  return {
    assigneeId,
    status,
    fence: mission.fence + 1,
    leaseExpiresAt: status === 'active' ? leaseUntil(node, ctx.clock, realm.fleet) : mission.leaseExpiresAt,
    ...(starts ? { startedAt: isoNow(ctx.clock) } : {}),
  };
}
