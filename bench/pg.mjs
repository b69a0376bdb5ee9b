// Scale-out on PostgreSQL (issue 14): checkouts/s, claims/s and audit appends/s with 1 and 3 server instances on
// one PostgreSQL database, against SQLite with 1 process, all in the same run. Real server processes over stdio,
// each with its own MCP client; the same number of calls in flight in every setup, spread evenly over its
// instances. Every round measures each figure in the three setups seconds apart (the table shows the round
// whose ratio is the median). Every call must succeed, and at the end each database must show every mission
// handed out once and one valid audit chain: a fast wrong answer cannot pass.
//   npm run bench:pg      (builds first; about 1.5 minutes on 2 cores, 3 when they are shared)
// PostgreSQL: embedded, started as the tests start it (bench/lib/postgres.mjs), or DATABASE_URL.
// Knobs: BENCH_ROUNDS (3), BENCH_CALLS (calls per figure per round, 300), BENCH_IN_FLIGHT (12), BENCH_ERA=legacy,
// BENCH_NODE_FLAGS; BENCH_REALMS (1: every call in one realm, whose audit chain every write appends to; more
// spreads the calls over that many realms, each with a chain of its own); BENCH_JSON=1 (a last line of JSON).
// Analysis: BENCH_PG_PROFILE=<dir> runs the first instance of each PostgreSQL setup under --cpu-prof into <dir>
// and prints when its checkout phases ran (CLOCK_MONOTONIC µs, the clock of the profile's timestamps): give
// both to bench/cpu-profile.mjs to see where those phases' time went;
// BENCH_PG_WAITS=1 prints what each phase cost: CPU per call of the servers, PostgreSQL and the bench (from
// /proc), and what the database's backends were waiting for (pg_stat_activity, sampled every 5 ms).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { call, cli, nodeFlags, rate, start, startOurs } from './lib/mcp.mjs';
import { startPostgres } from './lib/postgres.mjs';
import { markdownTable, plainTable, throughputRow } from './lib/table.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CALLS = Number(process.env.BENCH_CALLS ?? 300);
const WARM_UP = 100;
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 12);
const INSTANCES = 3;
const AGENTS = 12;
const REALMS = Number(process.env.BENCH_REALMS ?? 1);
const PROFILE_DIR = process.env.BENCH_PG_PROFILE;
const WAITS = process.env.BENCH_PG_WAITS === '1';

const began = performance.now();
const log = (text) => process.stderr.write(`[${((performance.now() - began) / 1000).toFixed(0).padStart(4)} s] ${text}\n`);
const agent = (i) => `agent-${i % AGENTS}`;
const monotonicMicros = () => Number(process.hrtime.bigint() / 1000n);

const dir = mkdtempSync(join(tmpdir(), 'cp-bench-pg-'));
const postgres = await startPostgres();
/** Every server started, closed at the end even when a setup failed half-way. */
const started = [];
async function keep(starting) {
  const server = await starting;
  started.push(server);
  return server;
}
const startPg = (url, flags = []) => keep(start([...nodeFlags, ...flags, cli, '--database-url', url]));

/** A setup: its servers (all on one database), the realms the bench works in, and what it handed out. */
async function setup(key, label, servers, adminUrl = null) {
  const first = servers[0].client;
  const realms = [];
  for (let r = 0; r < REALMS; r++) {
    const realmId = (await call(first, 'realm_create', { name: `${key}-${r}`, owner: 'bench' })).id;
    for (let i = 0; i < AGENTS; i++) await call(first, 'hierarchy_set', { realmId, agentId: agent(i) });
    realms.push(realmId);
  }
  return { key, label, servers, realms, adminUrl, checkedOut: 0, claimed: [], emptyClaims: 0 };
}
/** The client for the i-th call: calls go round the instances. */
const via = (s, i) => s.servers[i % s.servers.length].client;
/** The realm of the i-th call: calls go round the realms too. */
const realmOf = (s, i) => s.realms[i % REALMS];

/** `count` missions in `status`, made through every instance of the setup, the i-th in realmOf(s, i); their ids by i. */
async function create(s, count, status) {
  const ids = [];
  await rate(async (i) => (ids[i] = (await call(via(s, i), 'mission_create', { realmId: realmOf(s, i), title: `m${i}`, createdBy: 'bench', status })).id), { calls: count, inFlight: IN_FLIGHT });
  return ids;
}

/** The pid of the PostgreSQL server process (on this machine: the parent of a backend), or null. */
async function postmasterOf(url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT pg_backend_pid() AS pid');
    const text = readFileSync(`/proc/${rows[0].pid}/stat`, 'utf8');
    return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null; // DATABASE_URL on another machine
  } finally {
    await client.end();
  }
}

/** CPU ms (user + system) a process tree has used: the processes alive now, and the ones that ended and were reaped. */
function treeCpuMs(root) {
  const stats = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const text = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // After "(comm) ": state, ppid, ... utime, stime, cutime, cstime are fields 14 to 17 of stat(5).
      const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
      stats.set(Number(entry), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) });
    } catch {
      // it ended meanwhile
    }
  }
  let ticks = 0;
  const tree = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, { ppid }] of stats) if (!tree.has(pid) && tree.has(ppid)) grew = tree.add(pid);
  }
  for (const pid of tree) ticks += stats.get(pid)?.ticks ?? 0;
  return ticks * TICK_MS;
}
const TICK_MS = 10; // USER_HZ is 100 on Linux

/**
 * What a phase cost, measured until stop(): CPU ms of the setup's server processes, of PostgreSQL (its whole
 * cluster: the other setup's database idles meanwhile) and of this bench; and pg_stat_activity of the
 * setup's database sampled every 5 ms (what its backends in a transaction were waiting for).
 */
function observe(s) {
  if (!WAITS) return async () => null;
  const cpu = () => ({
    instances: s.servers.reduce((sum, server) => sum + treeCpuMs(server.pid), 0),
    postgres: postmaster ? treeCpuMs(postmaster) : 0,
    bench: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
  });
  const before = cpu();
  const client = s.adminUrl && new pg.Client({ connectionString: s.adminUrl });
  const counts = {};
  let stopped = false;
  const sampling = (async () => {
    if (!client) return;
    await client.connect();
    const database = new URL(s.adminUrl).pathname.slice(1);
    while (!stopped) {
      const { rows } = await client.query(
        `SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU') AS what, count(*)::int AS n FROM pg_stat_activity
          WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND (state = 'active' OR state LIKE 'idle in transaction%')
            AND query NOT LIKE 'LISTEN%' GROUP BY 1`,
        [database],
      );
      for (const { what, n } of rows) counts[what] = (counts[what] ?? 0) + n;
      counts.samples = (counts.samples ?? 0) + 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await client.end();
  })();
  return async () => {
    stopped = true;
    await sampling;
    const after = cpu();
    return { counts, cpu: Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - before[k]])) };
  };
}

/** What a round measures, in this order: each a function of (setup, calls, the missions made for the round). */
const figures = {
  checkouts: (s, calls, made) =>
    rate((i) => call(via(s, i), 'mission_checkout', { realmId: realmOf(s, i), id: made.backlog[i], agentId: agent(i) }).then(() => s.checkedOut++), { calls, inFlight: IN_FLIGHT }),
  // The queue always holds more than the claims take; a claim that takes nothing (on PostgreSQL, when the
  // mission it chose was taken meanwhile, see claimNext in src/db/pg/repos/missions.ts) is counted and retried.
  claims: (s, calls) =>
    rate(async (i) => {
      for (let attempt = 1; ; attempt++) {
        const { mission } = await call(via(s, i), 'mission_claim_next', { realmId: realmOf(s, i), agentId: agent(i) });
        if (mission) return void s.claimed.push(mission.id);
        s.emptyClaims++;
        if (attempt === 3) throw new Error(`${s.label}: mission_claim_next took nothing ${attempt} times in a row from a queue that is not empty`);
      }
    }, { calls, inFlight: IN_FLIGHT }),
  'audit appends': (s, calls) =>
    rate((i) => call(via(s, i), 'council_activity', { realmId: realmOf(s, i), actorKind: 'agent', actorId: agent(i), action: 'bench.tick', entityType: 'bench', entityId: `e${i}`, details: { i } }), { calls, inFlight: IN_FLIGHT }),
};

const setups = [];
const costs = {};
let postmaster = null;
const profileWindows = {};
try {
  log(`PostgreSQL: ${postgres.source}; starting SQLite (1 process), PostgreSQL (1 instance) and PostgreSQL (${INSTANCES} instances)`);
  const [url1, url3] = [await postgres.createDatabase(), await postgres.createDatabase()];
  if (WAITS) postmaster = await postmasterOf(url1);
  const profileFlags = PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [];
  setups.push(await setup('sqlite', 'SQLite, 1 process', [await keep(startOurs(join(dir, 'bench.db')))]));
  setups.push(await setup('pg1', 'PostgreSQL, 1 instance', [await startPg(url1, profileFlags)], url1));
  // Started together: the migrations run once, under the advisory lock.
  setups.push(await setup('pg3', `PostgreSQL, ${INSTANCES} instances`, await Promise.all(Array.from({ length: INSTANCES }, (_, i) => startPg(url3, i ? [] : profileFlags))), url3));
  // Claims never find a queue empty: IN_FLIGHT queued missions more than the rounds take stay in each.
  for (const s of setups) await create(s, IN_FLIGHT * REALMS, 'queued');

  const measured = Object.fromEntries(Object.keys(figures).map((f) => [f, Object.fromEntries(setups.map((s) => [s.key, []]))]));
  for (let round = 0; round <= ROUNDS; round++) {
    const calls = round ? CALLS : WARM_UP;
    log(round ? `round ${round} of ${ROUNDS}: ${calls} calls per figure, ${IN_FLIGHT} in flight` : `warm-up: ${calls} calls per figure`);
    const made = {};
    for (const s of setups) made[s.key] = { backlog: await create(s, calls, 'backlog'), queued: await create(s, calls, 'queued') };
    for (const [figure, measure] of Object.entries(figures)) {
      for (const s of setups) {
        const stop = observe(s);
        const from = monotonicMicros();
        const perSecond = await measure(s, calls, made[s.key]);
        if (PROFILE_DIR && s.adminUrl && figure === 'checkouts') (profileWindows[`${s.label}, pid ${s.servers[0].pid}`] ??= []).push([from, monotonicMicros()]);
        const observed = await stop();
        if (round === 0) continue;
        measured[figure][s.key].push(perSecond);
        if (observed) {
          const phase = (costs[`${figure}, ${s.label}`] ??= { calls: 0, seconds: 0, waits: {}, cpu: {} });
          phase.calls += calls;
          phase.seconds += calls / perSecond;
          for (const [what, n] of Object.entries(observed.counts)) phase.waits[what] = (phase.waits[what] ?? 0) + n;
          for (const [what, ms] of Object.entries(observed.cpu)) phase.cpu[what] = (phase.cpu[what] ?? 0) + ms;
        }
      }
    }
  }

  // What the setups must show for their figures to count.
  for (const s of setups) {
    const first = s.servers[0].client;
    if (new Set(s.claimed).size !== s.claimed.length) throw new Error(`${s.label}: a mission was claimed twice`);
    let active = 0;
    for (const realmId of s.realms) {
      active += (await call(first, 'mission_queue', { realmId })).missions.active.total;
      const verified = await call(first, 'council_verify', { realmId });
      if (!verified.valid) throw new Error(`${s.label}: the audit chain does not verify: ${JSON.stringify(verified)}`);
    }
    if (active !== s.checkedOut + s.claimed.length) throw new Error(`${s.label}: ${active} active missions, ${s.checkedOut + s.claimed.length} handed out`);
  }

  const rows = [];
  const [sqlite, ...others] = setups;
  for (const figure of Object.keys(figures)) {
    const base = measured[figure][sqlite.key];
    rows.push({ ...throughputRow(`${figure}/s, ${sqlite.label}`, base, base, 1, 'itself'), target: '-', met: null });
    for (const s of others) rows.push({ ...throughputRow(`${figure}/s, ${s.label}`, measured[figure][s.key], base, 0, sqlite.label), target: '-', met: null });
    const [one, three] = others.map((s) => measured[figure][s.key]);
    rows.push({ ...throughputRow(`${figure}/s, ${INSTANCES} instances against 1`, three, one, 0, 'PostgreSQL, 1 instance'), target: '-', met: null });
  }
  const setting = `${ROUNDS} rounds of ${CALLS} calls per figure after a ${WARM_UP}-call warm-up, ${IN_FLIGHT} in flight in each setup (spread over its instances), ${REALMS === 1 ? 'one realm' : `${REALMS} realms`}, stdio (${process.env.BENCH_ERA === 'legacy' ? '2025-11-25' : '2026-07-28'}), node ${process.version}; PostgreSQL ${postgres.source}`;
  console.log(setting);
  for (const s of setups) if (s.emptyClaims) console.log(`${s.label}: ${s.emptyClaims} claims took nothing and were retried`);
  console.log(plainTable(rows));
  console.log();
  console.log(markdownTable(rows));
  if (WAITS) {
    console.log('\nWhat each phase cost: CPU ms per call (server processes, PostgreSQL, this bench; wall ms per call x 2 cores is what the machine had),');
    console.log('and pg_stat_activity: backends in a transaction on average, and what they waited for (CPU: nothing; ClientRead: the instance)');
    for (const [phase, { calls, seconds, waits: { samples, ...counts }, cpu }] of Object.entries(costs)) {
      const perCall = (ms) => (ms / calls).toFixed(2);
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      const shares = Object.entries(counts).sort((a, b) => b[1] - a[1]).map(([what, n]) => `${what} ${Math.round((n / total) * 100)}%`);
      console.log(`${phase}: CPU ms/call instances ${perCall(cpu.instances)}, PostgreSQL ${perCall(cpu.postgres)}, bench ${perCall(cpu.bench)}; wall ${perCall(seconds * 1000)} ms/call` +
        (samples ? `; ${(total / samples).toFixed(1)} backends busy: ${shares.join(', ')}` : ''));
    }
  }
  if (PROFILE_DIR) for (const [server, windows] of Object.entries(profileWindows)) console.log(`checkout phases of ${server} (CLOCK_MONOTONIC µs): ${JSON.stringify(windows)}`);
  if (process.env.BENCH_JSON) console.log(JSON.stringify({ setting, rows, costs }));
} finally {
  await Promise.all(started.map((server) => server.close()));
  await postgres.stop();
  rmSync(dir, { recursive: true, force: true });
  log('done');
}
