// Tool calls over stdio against the bare SDK server with one no-op tool, in rounds: each round measures the
// no-op one at a time and 32 in flight, then each of our rows, so that every ratio compares figures taken
// seconds apart. Lists read a realm of LISTED missions that does not grow while the writes run.
import { call, noop, rate, rssMiB, startBaseline, startOurs } from '../lib/mcp.mjs';
import { throughputRow } from '../lib/table.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CALLS = Number(process.env.BENCH_CALLS ?? 400);
const IN_FLIGHT = 32;
const LISTED = 500;
const CHAIN = ['lead-0', 'lead-1', 'lead-2', 'lead-3', 'lead-4'];
const WORKERS = 8;

/** A realm for writes (a chain of CHAIN.length and WORKERS agents), one for lists; returns their ids. */
async function setUp(client) {
  const writes = (await call(client, 'realm_create', { name: 'writes', owner: 'bench' })).id;
  for (const [i, agentId] of CHAIN.entries()) await call(client, 'hierarchy_set', { realmId: writes, agentId, reportsTo: i ? CHAIN[i - 1] : null });
  for (let i = 0; i < WORKERS; i++) await call(client, 'hierarchy_set', { realmId: writes, agentId: `worker-${i}`, capabilities: ['work'] });
  const lists = (await call(client, 'realm_create', { name: 'lists', owner: 'bench' })).id;
  for (let i = 0; i < LISTED; i++) await call(client, 'mission_create', { realmId: lists, title: `listed ${i}`, createdBy: 'bench', status: i % 2 ? 'queued' : 'backlog' });
  return { writes, lists };
}

/** The rows; `db` is left with a realm and agents that later rows (tools/list for an agent) use. */
export async function callRows(db) {
  const baseline = await startBaseline();
  const ours = await startOurs(db);
  const c = ours.client;
  const { writes, lists } = await setUp(c);
  const chainOf = { realmId: writes, agentId: CHAIN.at(-1) };
  const create = () => call(c, 'mission_create', { realmId: writes, title: 't', createdBy: 'bench', status: 'queued', requiredCapabilities: ['work'] });
  const listed = async () => {
    const page = await call(c, 'mission_list', { realmId: lists, limit: 50 });
    if (page.missions.length !== 50) throw new Error(`mission_list answered ${page.missions.length} rows, not 50`);
  };

  const figures = {};
  // Round 0 warms both servers and this client up (the first hundreds of calls run slower) and is not kept.
  const add = (key, value, round) => {
    if (round > 0) (figures[key] ??= []).push(value);
  };
  for (let round = 0; round <= ROUNDS; round++) {
    const calls = round ? CALLS : Math.min(CALLS, 200);
    const one = { calls };
    const many = { calls, inFlight: IN_FLIGHT };
    add('noop1', await rate(noop(baseline), one), round);
    add('noopN', await rate(noop(baseline), many), round);
    add('realmGet', await rate(() => call(c, 'realm_get', { id: writes }), one), round);
    add('chain1', await rate(async () => {
      const { chain } = await call(c, 'hierarchy_chain', chainOf);
      if (chain.length !== CHAIN.length) throw new Error(`hierarchy_chain answered ${chain.length} levels, not ${CHAIN.length}`);
    }, one), round);
    add('chainN', await rate(() => call(c, 'hierarchy_chain', chainOf), many), round);
    const created = [];
    add('create1', await rate(async () => created.push((await create()).id), one), round);
    add('checkout1', await rate((i) => call(c, 'mission_checkout', { realmId: writes, id: created[i], agentId: `worker-${i % WORKERS}` }), one), round);
    add('createN', await rate(create, many), round);
    add('list1', await rate(listed, one), round);
    add('listN', await rate(listed, many), round);
  }
  const baselineRss = rssMiB(baseline.pid);
  await Promise.all([baseline.close(), ours.close()]);

  const f = figures;
  const rows = [
    throughputRow('realm_get over stdio, one at a time', f.realmGet, f.noop1, 0.85),
    throughputRow('hierarchy_chain (5 levels), one at a time', f.chain1, f.noop1, 0.85),
    throughputRow(`hierarchy_chain (5 levels), ${IN_FLIGHT} in flight`, f.chainN, f.noopN, 0.8, `no-op, ${IN_FLIGHT} in flight`),
    throughputRow('mission_create, one at a time', f.create1, f.noop1, 0.6),
    throughputRow('mission_checkout, one at a time', f.checkout1, f.noop1, 0.6),
    throughputRow(`mission_create, ${IN_FLIGHT} in flight`, f.createN, f.noopN, 0.5, `no-op, ${IN_FLIGHT} in flight`),
    throughputRow('mission_list 50 rows, one at a time', f.list1, f.noop1, 0.5),
    throughputRow(`mission_list 50 rows, ${IN_FLIGHT} in flight`, f.listN, f.noopN, 0.4, `no-op, ${IN_FLIGHT} in flight`),
  ];
  return { rows, realmId: writes, agentId: 'worker-0', baselineRss, setting: `${ROUNDS} rounds of ${CALLS} calls a row after a warm-up round; each row shows the round with its median ratio` };
}
