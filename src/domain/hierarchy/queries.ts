import type { DomainContext } from '../context.js';
import { requireRealm } from '../realm/guards.js';
import { requireNode } from './guards.js';
import type { Chain, Find, Tree } from './inputs.js';
import { buildTrees, byId, chainOf, subtreeIds } from './org.js';

export function orgTree(ctx: DomainContext, input: Tree) {
  return ctx.store.read(function* (tx) {
    yield* requireRealm(tx, input.realmId);
    const nodes = yield* tx.nodes.all(input.realmId);
    const roots = input.rootAgentId
      ? [yield* requireNode(tx, input.realmId, input.rootAgentId, 'rootAgentId')]
      : nodes.filter((n) => n.reportsTo === null);
    return { roots: buildTrees(roots, nodes, input.maxDepth) };
  });
}

export function findByCapability(ctx: DomainContext, input: Find) {
  return ctx.store.read(function* (tx) {
    yield* requireRealm(tx, input.realmId);
    const nodes = yield* tx.nodes.all(input.realmId);
    if (input.underAgentId) yield* requireNode(tx, input.realmId, input.underAgentId, 'underAgentId');
    const scope = input.underAgentId ? subtreeIds(input.underAgentId, nodes) : null;
    const wanted = input.capability.toLowerCase();
    const matches = nodes.filter(
      (n) => n.status !== 'terminated' && n.capabilities.includes(wanted) && (!scope || scope.has(n.agentId)),
    );
    return { matches, count: matches.length };
  });
}

export function chainOfCommand(ctx: DomainContext, input: Chain) {
  return ctx.store.read(function* (tx) {
    yield* requireRealm(tx, input.realmId);
    yield* requireNode(tx, input.realmId, input.agentId);
    return { chain: chainOf(input.agentId, byId(yield* tx.nodes.all(input.realmId))) };
  });
}
