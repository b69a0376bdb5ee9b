import type { DomainContext } from '../context.js';
import { type Liveness, livenessOf } from '../fleet/liveness.js';
import { requireRealm } from '../realm/guards.js';
import type { Realm } from '../realm/model.js';
import type { Step, Tx } from '../store.js';
import { requireNode } from './guards.js';
import type { Chain, Find, Tree } from './inputs.js';
import type { SeenNode } from './model.js';
import { orgChart } from './org.js';

// Each query reads only what it answers, by index: the tree one ordered query, find the agents with the
// capability, the chain one lookup per level. None loads the realm's whole org to pick from it. Liveness
// needs the realm's running runs: one more query (by realm and status), whatever the size of the answer.

/** Each agent's liveness at `now` from its stored heartbeat and the realm's running runs. */
function* livenessIn(tx: Tx, realm: Realm, now: Date): Step<(n: Parameters<typeof livenessOf>[0] & { agentId: string }) => Liveness | null> {
  const running = new Set((yield* tx.runs.runningInRealm(realm.id)).map((r) => r.agentId));
  return (n) => livenessOf(n, now, realm.fleet, running.has(n.agentId));
}

export function orgTree(ctx: DomainContext, input: Tree) {
  return ctx.store.read(function* (tx) {
    const realm = yield* requireRealm(tx, input.realmId);
    const root = input.rootAgentId ? (yield* requireNode(tx, input.realmId, input.rootAgentId, 'rootAgentId')).agentId : null;
    const entries = yield* tx.nodes.org(input.realmId, root);
    return { roots: orgChart(entries, root, input.maxDepth, yield* livenessIn(tx, realm, ctx.clock.now())) };
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
    const liveness = yield* livenessIn(tx, realm, ctx.clock.now());
    const states = asList(input.liveness);
    const matches: SeenNode[] = [];
    for (const node of found) {
      const seen = { ...node, liveness: liveness(node) };
      if (states && (seen.liveness === null || !states.has(seen.liveness))) continue;
      if (input.region !== undefined && node.region !== input.region) continue;
      matches.push(seen);
    }
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
