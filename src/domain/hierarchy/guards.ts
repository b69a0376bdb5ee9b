import { DomainError, notFound } from '../errors.js';
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
