// Pure functions over one realm's nodes (as NodeRepo.all returns them: rank desc, then agentId).
import type { Node, TreeNode } from './model.js';

export const byId = (nodes: Node[]) => new Map(nodes.map((n) => [n.agentId, n]));

/** Children per manager, keeping the input order (rank desc, then agentId). */
export function reportsIndex(nodes: Node[]): Map<string | null, Node[]> {
  const index = new Map<string | null, Node[]>();
  for (const n of nodes) {
    const list = index.get(n.reportsTo) ?? [];
    list.push(n);
    index.set(n.reportsTo, list);
  }
  return index;
}

/** Builds trees in linear time; a visited set guards against a cycle that should never be stored. */
export function buildTrees(roots: Node[], nodes: Node[], maxDepth?: number): TreeNode[] {
  const reports = reportsIndex(nodes);
  const visited = new Set<string>();
  const build = (n: Node, depth: number): TreeNode => {
    visited.add(n.agentId);
    const below = (reports.get(n.agentId) ?? []).filter((c) => !visited.has(c.agentId));
    const cut = maxDepth !== undefined && depth >= maxDepth;
    return {
      agentId: n.agentId,
      title: n.title,
      capabilities: n.capabilities,
      rank: n.rank,
      status: n.status,
      reports: cut ? [] : below.map((c) => build(c, depth + 1)),
      truncated: cut && below.length > 0,
    };
  };
  return roots.map((r) => build(r, 0));
}

/** The agent and everyone under it. */
export function subtreeIds(rootId: string, nodes: Node[]): Set<string> {
  const reports = reportsIndex(nodes);
  const found = new Set<string>([rootId]);
  const stack = [rootId];
  while (stack.length) {
    for (const child of reports.get(stack.pop()!) ?? []) {
      if (!found.has(child.agentId)) {
        found.add(child.agentId);
        stack.push(child.agentId);
      }
    }
  }
  return found;
}

/** From the agent up to its root. */
export function chainOf(agentId: string, nodes: Map<string, Node>): Node[] {
  const chain: Node[] = [];
  const seen = new Set<string>();
  for (let n = nodes.get(agentId); n && !seen.has(n.agentId); n = n.reportsTo ? nodes.get(n.reportsTo) : undefined) {
    seen.add(n.agentId);
    chain.push(n);
  }
  return chain;
}

/** Whether `managerId` is above `agentId` in its chain of command (any transitive manager). */
export const isAbove = (managerId: string, agentId: string, nodes: Map<string, Node>) =>
  chainOf(agentId, nodes).slice(1).some((n) => n.agentId === managerId);

/**
 * The loop that making `agentId` report to `managerId` would close, or null: walking up from the new manager
 * and reaching the agent means the agent would manage itself.
 */
export function loopIfReporting(agentId: string, managerId: string, nodes: Map<string, Node>): string[] | null {
  const path = [agentId, managerId];
  if (managerId === agentId) return path;
  const seen = new Set(path);
  for (let n = nodes.get(managerId); n?.reportsTo; n = nodes.get(n.reportsTo)) {
    path.push(n.reportsTo);
    if (n.reportsTo === agentId) return path;
    if (seen.has(n.reportsTo)) return null; // a stored cycle elsewhere; not one this change closes
    seen.add(n.reportsTo);
  }
  return null;
}
