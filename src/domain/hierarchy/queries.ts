import type { DomainContext } from '../context.js';
import { requireRealm } from '../realm/guards.js';
import { requireNode } from './guards.js';
import type { Chain, Find, Tree } from './inputs.js';
import { orgChart } from './org.js';

// Each query reads only what it answers, by index: the tree one ordered query, find the agents with the
// capability, the chain one lookup per level. None loads the realm's whole org to pick from it.

export function orgTree(ctx: DomainContext, input: Tree) {
  return ctx.store.read(function* (tx) {
    yield* requireRealm(tx, input.realmId);
    const root = input.rootAgentId ? (yield* requireNode(tx, input.realmId, input.rootAgentId, 'rootAgentId')).agentId : null;
    return { roots: orgChart(yield* tx.nodes.org(input.realmId, root), root, input.maxDepth) };
  });
}

export function findByCapability(ctx: DomainContext, input: Find) {
  return ctx.store.read(function* (tx) {
    yield* requireRealm(tx, input.realmId);
    if (input.underAgentId) yield* requireNode(tx, input.realmId, input.underAgentId, 'underAgentId');
    const matches = yield* tx.nodes.find(input.realmId, input.capability.toLowerCase(), input.underAgentId ?? null);
    return { matches, count: matches.length };
  });
}

export function chainOfCommand(ctx: DomainContext, input: Chain) {
  return ctx.store.read(function* (tx) {
    yield* requireRealm(tx, input.realmId);
    yield* requireNode(tx, input.realmId, input.agentId);
    return { chain: yield* tx.nodes.chain(input.realmId, input.agentId) };
  });
}
