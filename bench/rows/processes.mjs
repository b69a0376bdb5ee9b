// Several server processes on one SQLite file: checkouts/s of all of them together, each process driven by
// its own stdio client one call at a time, against one of them alone (the others idle), alternating for
// ROUNDS rounds of SECONDS each. Every process takes missions off one list of pre-created queued ones.
// A third setting, not a target: the eight taking turns, one call at a time across all of them. Nothing runs
// at the same time there, so what it loses against one process alone is the cost of every call landing in a
// process that another's commit and other processes' work left cold (its SQLite page cache dropped, its
// memory out of the CPU's caches), apart from any contention.
import { seedQueue } from '../lib/seed.mjs';
import { call, rate, startOurs } from '../lib/mcp.mjs';
import { throughputRow } from '../lib/table.mjs';

const PROCESSES = 8;
const ROUNDS = Number(process.env.BENCH_PROC_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_PROC_SECONDS ?? 2.5);
/** Enough for the warm-up and every round at 2,500 checkouts/s in each of the three settings; a run that takes them all stops early. */
const MISSIONS = PROCESSES * 50 + Math.ceil(ROUNDS * SECONDS * 3 * 2500);
export const processSetting = `processes rows: ${ROUNDS} rounds of ${SECONDS} s, one process alone, then ${PROCESSES} together with one call in flight per process, then the ${PROCESSES} taking turns with one call in flight in all; the round with the median ratio`;

export async function processRows(db) {
  const { realmId, missions } = await seedQueue(db, { agents: PROCESSES, missions: MISSIONS });
  const servers = await Promise.all(Array.from({ length: PROCESSES }, () => startOurs(db)));
  let next = 0;
  /** A checkout by `agent-w` through `server`, or null when the missions ran out. */
  const checkout = (server, w) => () => {
    if (next >= missions.length) return null;
    return call(server.client, 'mission_checkout', { realmId, id: missions[next++], agentId: `agent-${w}` });
  };
  // Every process's first calls run slower (JIT, statement preparation): warmed up together, not counted.
  await Promise.all(servers.map((server, w) => rate(checkout(server, w), { calls: 50 })));
  let turn = 0;
  const inTurn = () => {
    const w = turn++ % PROCESSES;
    return checkout(servers[w], w)();
  };
  const [alone, together, takingTurns] = [[], [], []];
  for (let round = 0; round < ROUNDS; round++) {
    alone.push(await rate(checkout(servers[0], 0), { seconds: SECONDS }));
    const rates = await Promise.all(servers.map((server, w) => rate(checkout(server, w), { seconds: SECONDS })));
    together.push(rates.reduce((a, b) => a + b, 0));
    takingTurns.push(await rate(inTurn, { seconds: SECONDS }));
  }
  await Promise.all(servers.map((s) => s.close()));
  if (next >= missions.length) process.stderr.write(`bench: the ${missions.length} pre-created missions ran out; later rounds were short\n`);
  return [
    throughputRow(`${PROCESSES} server processes on one SQLite file, checkouts/s in total`, together, alone, 1, 'one process alone'),
    { ...throughputRow(`the same ${PROCESSES} taking turns, one call at a time in all (no contention)`, takingTurns, alone, 1, 'one process alone'), target: '- (not a target: where the cost above comes from)', met: null },
  ];
}
