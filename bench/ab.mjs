// Two builds side by side over real stdio, rounds alternated: what a change did, on a machine whose speed
// moves by ±20% from minute to minute (the suite's same-run baseline cannot tell a 5% change from noise).
//   node bench/ab.mjs <rev> [calls...]      e.g. node bench/ab.mjs HEAD~2 create list chain
// A is <rev>, built in a temporary git worktree (this checkout's node_modules linked in); B is this checkout's
// dist/ (run `npm run build` first). Calls: create, checkout, list, chain, realm, log, claim (default: all); AB_IN_FLIGHT
// (default 1), AB_ROUNDS (default 7, after one warm-up round), AB_CALLS (a round, default 1000), AB_QUEUED
// (claims: missions left queued after the last round, default 1000), AB_FLAGS_A / AB_FLAGS_B (node flags for
// that side's server).
// Prints, per call, both rates and B/A for every round, and the median of those ratios.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, median, rate, start } from './lib/mcp.mjs';

const [rev, ...wanted] = process.argv.slice(2);
if (!rev) throw new Error('usage: node bench/ab.mjs <rev> [create|checkout|list|chain|realm|log|claim ...]');
const IN_FLIGHT = Number(process.env.AB_IN_FLIGHT ?? 1);
const ROUNDS = Number(process.env.AB_ROUNDS ?? 7);
const CALLS = Number(process.env.AB_CALLS ?? 1000);
const QUEUED = Number(process.env.AB_QUEUED ?? 1000);
// Node flags for each side's server, e.g. the same build twice with a V8 setting on one side only.
const [FLAGS_A, FLAGS_B] = [process.env.AB_FLAGS_A, process.env.AB_FLAGS_B].map((flags) => flags?.split(' ').filter(Boolean) ?? []);
const here = new URL('..', import.meta.url).pathname;
const git = (...args) => execFileSync('git', ['-C', here, ...args], { encoding: 'utf8' }).trim();

/** <rev> checked out and built beside this checkout; removed at the end. */
function buildOf(revision) {
  const dir = mkdtempSync(join(tmpdir(), 'cp-ab-'));
  git('worktree', 'add', '--detach', dir, git('rev-parse', revision));
  symlinkSync(join(here, 'node_modules'), join(dir, 'node_modules'));
  execFileSync('npm', ['run', '-s', 'build'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  return { cli: join(dir, 'dist/cli.js'), remove: () => git('worktree', 'remove', '--force', dir) };
}

/** A server of one build on a fresh database, set up for every call; the calls by name. */
async function serverOf(cli, flags) {
  const dir = mkdtempSync(join(tmpdir(), 'cp-ab-db-'));
  const db = join(dir, 'ab.db');
  const server = await start([...flags, cli, '--db', db]);
  const c = server.client;
  const realmId = (await call(c, 'realm_create', { name: 'ab', owner: 'bench' })).id;
  const chain = ['lead-0', 'lead-1', 'lead-2', 'lead-3', 'lead-4'];
  for (const [i, agentId] of chain.entries()) await call(c, 'hierarchy_set', { realmId, agentId, reportsTo: i ? chain[i - 1] : null });
  for (let i = 0; i < 8; i++) await call(c, 'hierarchy_set', { realmId, agentId: `worker-${i}`, capabilities: ['work'] });
  const lists = (await call(c, 'realm_create', { name: 'lists', owner: 'bench' })).id;
  for (let i = 0; i < 100; i++) await call(c, 'mission_create', { realmId: lists, title: `listed ${i}`, createdBy: 'bench', status: i % 2 ? 'queued' : 'backlog' });
  const create = () => call(c, 'mission_create', { realmId, title: 't', createdBy: 'bench', status: 'queued', requiredCapabilities: ['work'] });
  // Claims take from their own realm's queue: every round's claims plus AB_QUEUED more, made on first use.
  let queue = null;
  const claims = async () => {
    const id = (await call(c, 'realm_create', { name: 'claims', owner: 'bench' })).id;
    for (let i = 0; i < 8; i++) await call(c, 'hierarchy_set', { realmId: id, agentId: `worker-${i}`, capabilities: ['work'] });
    const total = (ROUNDS + 1) * CALLS + QUEUED;
    for (let i = 0; i < total; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, total - i) }, (_, k) =>
        call(c, 'mission_create', { realmId: id, title: 'q', createdBy: 'bench', status: 'queued', priority: ['critical', 'high', 'normal', 'low'][(i + k) % 4], requiredCapabilities: ['work'] })));
    }
    return id;
  };
  let claimed = 0;
  const created = [];
  let taken = 0;
  const calls = {
    create: async () => created.push((await create()).id),
    // Checks out what create made; a round without enough made creates its own first.
    checkout: async () => call(c, 'mission_checkout', { realmId, id: created[taken] ?? (await create()).id, agentId: `worker-${taken++ % 8}` }),
    list: () => call(c, 'mission_list', { realmId: lists, limit: 50 }),
    chain: () => call(c, 'hierarchy_chain', { realmId, agentId: chain.at(-1) }),
    realm: () => call(c, 'realm_get', { id: realmId }),
    log: () => call(c, 'council_activity_log', { realmId: lists, limit: 50 }),
    claim: async () => {
      queue ??= claims();
      const { mission } = await call(c, 'mission_claim_next', { realmId: await queue, agentId: `worker-${claimed++ % 8}` });
      if (!mission) throw new Error('the claim queue ran dry');
    },
  };
  return { calls, close: async () => (await server.close(), rmSync(dir, { recursive: true, force: true })) };
}

const a = buildOf(rev);
const b = join(here, 'dist/cli.js');
if (!existsSync(b)) throw new Error('no dist/ here: run npm run build first');
try {
  const [A, B] = [await serverOf(a.cli, FLAGS_A), await serverOf(b, FLAGS_B)];
  for (const name of wanted.length ? wanted : Object.keys(A.calls)) {
    const ratios = [];
    const rates = { a: [], b: [] };
    for (let round = 0; round <= ROUNDS; round++) {
      const ra = await rate(A.calls[name], { calls: CALLS, inFlight: IN_FLIGHT });
      const rb = await rate(B.calls[name], { calls: CALLS, inFlight: IN_FLIGHT });
      if (round === 0) continue; // warm-up
      rates.a.push(ra);
      rates.b.push(rb);
      ratios.push(rb / ra);
    }
    const f = (x) => Math.round(x).toLocaleString('en');
    console.log(
      `${name}, ${IN_FLIGHT} in flight: A ${f(median(rates.a))}/s, B ${f(median(rates.b))}/s; B/A ${median(ratios).toFixed(2)} (rounds ${ratios.map((r) => r.toFixed(2)).join(' ')})`,
    );
  }
  await Promise.all([A.close(), B.close()]);
} finally {
  a.remove();
}
