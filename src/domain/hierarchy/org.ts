// Pure functions over nodes the store read: the org chart from NodeRepo.org, loop checks on NodeRepo.chain.
import type { OrgEntry } from '../store.js';
import type { Liveness } from '../fleet/liveness.js';
import type { Node, TreeNode } from './model.js';

/**
 * The org chart from entries in tree order (rank desc, then agentId), in one pass: each manager's `reports`
 * list is created when the first of them (or the manager) comes by, so reports keep the entries' order
 * without an index of children or a sort. `rootId` (when the entries are its subtree) is the one root, and an
 * entry that reports back to it (a stored cycle) is not attached again. Below `maxDepth` levels, reports are
 * cut and the node says truncated. `liveness` gives each entry's liveness (derived by the caller, who knows the
 * time, the realm's timeout and the running runs).
 */
export function orgChart(entries: OrgEntry[], rootId: string | null, maxDepth?: number, liveness: (e: OrgEntry) => Liveness | null = () => null): TreeNode[] {
  const reportsOf = new Map<string | null, TreeNode[]>();
  const listOf = (id: string | null) => {
    let list = reportsOf.get(id);
    if (!list) reportsOf.set(id, (list = []));
    return list;
  };
  const roots: TreeNode[] = [];
  for (const e of entries) {
    const node: TreeNode = {
      agentId: e.agentId, title: e.title, capabilities: e.capabilities, rank: e.rank, status: e.status,
      liveness: liveness(e), region: e.region, reports: listOf(e.agentId), truncated: false,
    };
    if (rootId === null ? e.reportsTo === null : e.agentId === rootId) roots.push(node);
    else listOf(e.reportsTo).push(node);
  }
  if (maxDepth !== undefined) for (const root of roots) cutBelow(root, maxDepth);
  return roots;
}

function cutBelow(node: TreeNode, levels: number) {
  if (levels === 0) {
    node.truncated = node.reports.length > 0;
    node.reports = [];
    return;
  }
  for (const report of node.reports) cutBelow(report, levels - 1);
}

/**
 * The loop that making `agentId` report to `managerId` would close, or null, from the new manager's chain of
 * command (NodeRepo.chain): reaching the agent on the way up means the agent would manage itself.
 */
export function loopThrough(agentId: string, managerId: string, managerChain: Node[]): string[] | null {
  const path = [agentId, managerId];
  if (managerId === agentId) return path;
  for (const n of managerChain) {
    if (!n.reportsTo) return null;
    path.push(n.reportsTo);
    if (n.reportsTo === agentId) return path;
  }
  return null;
}
