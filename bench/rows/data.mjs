// Queries on the seeded data at 1x and 10x (bench/lib/seed.mjs), each over stdio on a server per file: the
// time of one call, the median of many, the two servers called alternately (which goes first alternating too)
// so that both see the same noise. The org rows compare 10,000 agents with 1,000; the growth rows the 10x data
// with the 1x data.
import { CHAIN_AGENT, RARE_ACTOR, RARE_HOLDERS, RARE_SKILL } from '../lib/seed.mjs';
import { call, median, ms, startOurs } from '../lib/mcp.mjs';
import { growthRow } from '../lib/table.mjs';

// The tree takes tens of milliseconds a call; the indexed rows about one, where a median of 15 moved by 0.3x
// from run to run (one GC or scheduler pause among 15 calls shifts it): they take many more calls, which cost
// well under a second.
const CALLS = Number(process.env.BENCH_QUERY_CALLS ?? 15);
const QUICK_CALLS = Number(process.env.BENCH_QUICK_CALLS ?? 150);
const WARM_UP = 5;
export const dataSetting = `org and growth rows: median of ${CALLS} calls (tree) or ${QUICK_CALLS} (the indexed rows) after ${WARM_UP} warm-up calls, the two sizes called alternately, read-only servers`;

/** Times `query(server, seeded)` on both, alternately; `check` throws on a wrong answer. */
async function compare(small, big, query, check, calls = QUICK_CALLS) {
  const times = { small: [], big: [] };
  for (let i = 0; i < WARM_UP + calls; i++) {
    const pair = [['small', small], ['big', big]];
    for (const [key, side] of i % 2 ? pair.reverse() : pair) {
      let answer;
      const t = await ms(async () => (answer = await query(side)));
      check(answer, side);
      if (i >= WARM_UP) times[key].push(t);
    }
  }
  return times;
}

const expect = (what, ok) => {
  if (!ok) throw new Error(`unexpected answer: ${what}`);
};
const countNodes = (nodes) => nodes.reduce((n, node) => n + 1 + countNodes(node.reports ?? []), 0);

/** `small` and `big`: {db, seeded: {orgRealm, dataRealm}, scale}. */
export async function dataRows(small, big) {
  const sides = await Promise.all([small, big].map(async (side) => ({ ...side, server: await startOurs(side.db, ['--read-only']) })));
  const [s, b] = sides;
  const q = (name, args) => (side) => call(side.server.client, name, args(side.seeded));
  const label = (side) => `${side.scale.agents.toLocaleString('en')} agents`;

  const tree = await compare(s, b, q('hierarchy_tree', (d) => ({ realmId: d.orgRealm })), (a, side) => expect('tree size', countNodes(a.roots ?? a.tree ?? []) === side.scale.agents || a.count === side.scale.agents), CALLS);
  const chain = await compare(s, b, q('hierarchy_chain', (d) => ({ realmId: d.orgRealm, agentId: CHAIN_AGENT })), (a) => expect('chain of 4', a.chain.length === 4));
  const find = await compare(s, b, q('hierarchy_find', (d) => ({ realmId: d.orgRealm, capability: RARE_SKILL })), (a) => expect(`${RARE_HOLDERS} found`, (a.agents ?? a.nodes ?? a.matches).length === RARE_HOLDERS));
  const queued = await compare(s, b, q('mission_list', (d) => ({ realmId: d.dataRealm, status: 'queued', limit: 50 })), (a) => expect('50 queued', a.missions.length === 50 && a.missions.every((m) => m.status === 'queued')));
  const summary = await compare(s, b, q('ledger_summary', (d) => ({ realmId: d.dataRealm })), (a, side) => expect('every spend summed', a.eventCount === side.scale.spends));
  const byActor = await compare(s, b, q('council_activity_log', (d) => ({ realmId: d.dataRealm, actorId: RARE_ACTOR, limit: 50 })), (a) => expect('50 entries of the actor', a.entries.length === 50 && a.entries.every((e) => e.actorId === RARE_ACTOR)));
  await Promise.all(sides.map((side) => side.server.close()));

  const treeMs = median(tree.big);
  return [
    {
      what: `hierarchy_tree of ${label(b)}`, measured: `${treeMs.toFixed(1)} ms`, baseline: `${median(tree.small).toFixed(1)} ms (${label(s)})`,
      ratio: treeMs / median(tree.small), target: '<= 20 ms', met: treeMs <= 20,
    },
    growthRow(`hierarchy_chain at ${label(b)} vs ${label(s)}`, chain.big, chain.small, 1.2, label(s)),
    growthRow(`hierarchy_find at ${label(b)} vs ${label(s)}`, find.big, find.small, 1.2, label(s)),
    growthRow('growth at 10x data: mission_list status=queued', queued.big, queued.small, 1.2, '1x'),
    growthRow('growth at 10x data: ledger_summary', summary.big, summary.small, 1.2, '1x'),
    growthRow('growth at 10x data: council_activity_log by actor', byActor.big, byActor.small, 1.2, '1x'),
  ];
}
