// Fleet operations over stdio: mission_claim_next against mission_checkout by id (its baseline, measured in
// the same rounds), claims with 32 in flight, and heartbeats against realm_get. The queue holds QUEUED
// missions of four priorities and mixed capabilities, topped up between rounds so every claim finds work.
// Usage: npm run build && node bench/claims.mjs   (BENCH_ROUNDS, BENCH_CALLS, BENCH_QUEUED; BENCH_JSON=1)
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, median, rate, startOurs } from './lib/mcp.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CALLS = Number(process.env.BENCH_CALLS ?? 300);
const QUEUED = Number(process.env.BENCH_QUEUED ?? 1000);
const IN_FLIGHT = 32;
const WORKERS = 8;
const priorities = ['critical', 'high', 'normal', 'low'];
const capabilities = ['python', 'go', 'sql'];

const ours = await startOurs(join(mkdtempSync(join(tmpdir(), 'cp-bench-claims-')), 'bench.db'));
const c = ours.client;
const realmId = (await call(c, 'realm_create', { name: 'claims', owner: 'bench' })).id;
for (let i = 0; i < WORKERS; i++) await call(c, 'hierarchy_set', { realmId, agentId: `worker-${i}`, capabilities });
// Heartbeats come from agents holding two missions each, as a worker would (the claimers above hold hundreds,
// and a heartbeat renews the lease of every mission its agent holds).
for (let i = 0; i < WORKERS; i++) await call(c, 'hierarchy_set', { realmId, agentId: `beater-${i}` });
let made = 0;
const create = (extra = {}) =>
  call(c, 'mission_create', {
    realmId, title: `m${made}`, createdBy: 'bench', status: 'queued', priority: priorities[made % 4],
    requiredCapabilities: made++ % 3 ? [capabilities[made % 3]] : [], ...extra,
  });
/** Tops the queue up to QUEUED missions (the rounds take some). */
async function fill() {
  const { missions } = await call(c, 'mission_queue', { realmId });
  for (let i = missions.queued.total; i < QUEUED; i += 50) await Promise.all(Array.from({ length: Math.min(50, QUEUED - i) }, () => create()));
}

for (let i = 0; i < WORKERS * 2; i++) {
  const { id } = await call(c, 'mission_create', { realmId, title: `held ${i}`, createdBy: 'bench' });
  await call(c, 'mission_checkout', { realmId, id, agentId: `beater-${i % WORKERS}` });
}

const figures = {};
const add = (key, value, round) => {
  if (round > 0) (figures[key] ??= []).push(value);
};
for (let round = 0; round <= ROUNDS; round++) {
  const calls = round ? CALLS : 100;
  await fill();
  // Checkout's missions are made apart from the queue's count: each is taken by id.
  const ids = [];
  for (let i = 0; i < calls; i += 50) ids.push(...(await Promise.all(Array.from({ length: Math.min(50, calls - i) }, () => create({ status: 'backlog' })))).map((m) => m.id));
  add('checkout1', await rate((i) => call(c, 'mission_checkout', { realmId, id: ids[i], agentId: `worker-${i % WORKERS}` }), { calls }), round);
  add('claim1', await rate(async (i) => {
    const { mission } = await call(c, 'mission_claim_next', { realmId, agentId: `worker-${i % WORKERS}` });
    if (!mission) throw new Error('the queue ran dry');
  }, { calls }), round);
  await fill();
  add('claimN', await rate((i) => call(c, 'mission_claim_next', { realmId, agentId: `worker-${i % WORKERS}` }), { calls, inFlight: IN_FLIGHT }), round);
  add('realmGet1', await rate(() => call(c, 'realm_get', { id: realmId }), { calls }), round);
  add('heartbeat1', await rate((i) => call(c, 'hierarchy_heartbeat', { realmId, agentId: `beater-${i % WORKERS}` }), { calls }), round);
}
await ours.close();

const m = Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, Math.round(median(v))]));
const ratio = (a, b) => Math.round((m[a] / m[b]) * 100) / 100;
const result = {
  setting: `${ROUNDS} rounds of ${CALLS} calls after a warm-up; ${QUEUED} queued missions, ${WORKERS} agents; medians, calls/s`,
  rows: [
    { what: 'mission_checkout by id, one at a time', perSecond: m.checkout1, ratio: 1, baseline: 'itself' },
    { what: 'mission_claim_next, one at a time', perSecond: m.claim1, ratio: ratio('claim1', 'checkout1'), baseline: 'mission_checkout' },
    { what: `mission_claim_next, ${IN_FLIGHT} in flight`, perSecond: m.claimN, ratio: ratio('claimN', 'checkout1'), baseline: 'mission_checkout, one at a time' },
    { what: 'hierarchy_heartbeat (2 leases), one at a time', perSecond: m.heartbeat1, ratio: ratio('heartbeat1', 'realmGet1'), baseline: 'realm_get' },
  ],
};
if (process.env.BENCH_JSON) console.log(JSON.stringify(result));
else {
  console.log(result.setting);
  for (const r of result.rows) console.log(`${r.what.padEnd(42)} ${String(r.perSecond).padStart(6)}/s  ${r.ratio}x ${r.baseline}`);
}
