import { DomainError, notFound } from '../errors.js';
import type { Principal } from '../principal.js';
import type { Step, Tx } from '../store.js';
import type { Node } from './model.js';

/** A node the input names (reportsTo, ownerAgentId, reassignTo ...): it must exist in the realm. */
export function* requireNode(tx: Tx, realmId: string, agentId: string, field = 'agentId'): Step<Node> {
  const node = yield* tx.nodes.get(realmId, agentId);
  if (!node) throw notFound('agent', agentId, { field, realmId });
  return node;
}

/** An agent that acts in the org (release, transition): a node of the realm that is not terminated. */
export function* requireActor(tx: Tx, realmId: string, agentId: string): Step<Node> {
  const node = yield* tx.nodes.get(realmId, agentId);
  if (!node) throw new DomainError('forbidden', `agent ${agentId} is not in the org chart of realm ${realmId}`, { agentId, reason: 'not_a_node' });
  if (node.status === 'terminated') throw new DomainError('forbidden', `agent ${agentId} is terminated and may not act`, { agentId, reason: 'terminated' });
  return node;
}

/**
 * An agent principal writing in its own name (a comment, a proposal, an audit entry), as for its work on
 * missions: a node of the realm that is not terminated. Terminating an agent stops all of its writes, not
 * only its heartbeat and missions. Admins, operators and the system write as they are.
 */
export function* requireStanding(tx: Tx, principal: Principal, realmId: string): Step<void> {
  if (principal.role === 'agent') yield* requireActor(tx, realmId, principal.id);
}
