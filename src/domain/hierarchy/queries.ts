import type { DomainContext } from '../context.js';
import { type Liveness, livenessOf } from '../fleet/liveness.js';
import { requireRealm } from '../realm/guards.js';
import type { Realm } from '../realm/model.js';
import type { Running } from '../store.js';
import { requireNode } from './guards.js';
import type { Chain, Find, Tree } from './inputs.js';
import type { SeenNode } from './model.js';
import { orgChart } from './org.js';

// Each query reads only what it answers, by index: the tree one ordered query, find the agents with the
// capability, the chain one lookup per level. None loads the realm's whole org to pick from it. Liveness
// comes with the nodes: the store reads whether each has a running run in the same statement.

/** Each agent's liveness at `now`, from what the store read with it. */
const livenessAt = (realm: Realm, now: Date) => (n: Parameters<typeof livenessOf>[0] & Running): Liveness | null => livenessOf(n, now, realm.fleet, n.running);

export function orgTree(ctx: DomainContext, input: Tree) {
  return ctx.store.read(function* (tx) {
    const realm = yield* requireRealm(tx, input.realmId);
    const root = input.rootAgentId ? (yield* requireNode(tx, input.realmId, input.rootAgentId, 'rootAgentId')).agentId : null;
    const entries = yield* tx.nodes.org(input.realmId, root);
    return { roots: orgChart(entries, root, input.maxDepth, livenessAt(realm, ctx.clock.now())) };
  });
}

const asList = <T>(value: T | T[] | undefined) => (value === undefined ? null : new Set(Array.isArray(value) ? value : [value]));

/**
 * Agents by capability (or every live one when none is given), each with its liveness. The liveness and
 * region filters apply to what the indexed read returned: liveness is derived at read time, not stored.
 */
export function findByCapability(ctx: DomainContext, input: Find) {
  return ctx.store.read(function* (tx) {
    const realm = yield* requireRealm(tx, input.realmId);
    if (input.underAgentId) yield* requireNode(tx, input.realmId, input.underAgentId, 'underAgentId');
    const found = yield* tx.nodes.find(input.realmId, input.capability?.toLowerCase() ?? null, input.underAgentId ?? null);
    const liveness = livenessAt(realm, ctx.clock.now());
    const states = asList(input.liveness);
    const matches: SeenNode[] = [];
    for (const { running, ...node } of found) {
      const seen = { ...node, liveness: liveness({ ...node, running }) };
      if (states && (seen.liveness === null || !states.has(seen.liveness))) continue;
      if (input.region !== undefined && node.region !== input.region) continue;
      matches.push(seen);
    }
    return { matches, count: matches.length };
  });
}

export function chainOfCommand(ctx: DomainContext, input: Chain) {
  return ctx.store.read(function* (tx) {
    const chain = yield* tx.nodes.chain(input.realmId, input.agentId);
    // The chain starts with the agent itself, so it is empty only when the realm or the agent is missing:
    // which one is looked up then, instead of on every call.
    if (chain.length === 0) {
      yield* requireRealm(tx, input.realmId);
      yield* requireNode(tx, input.realmId, input.agentId);
    }
    return { chain };
  });
}
