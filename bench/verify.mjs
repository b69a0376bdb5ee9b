// Audit chain: append rate, verify rate against a bare SHA-256 loop over the same bytes (measured in the same
// run), the longest event-loop stall while verifying (other sessions wait that long at most), and memory.
//   npm run -s build && node bench/verify.mjs
//   ENTRIES=1000000 (default)  APPENDS=2000 (appends timed one transaction each)  BENCH_JSON=1 (a last line of JSON)
//   node --expose-gc bench/verify.mjs   (collects garbage before verify, so that its RSS figures start clean)
// The chain is seeded fast: APPENDS entries through appendAudit, then the rest built with the same entryHash
// and inserted in large transactions (a million appends one at a time would take minutes). It is a real
// chain: verify checks every entry.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance, monitorEventLoopDelay } from 'node:perf_hooks';
import pino from 'pino';
import { createApp } from '../dist/app.js';
import { canonicalJson } from '../dist/domain/audit/canonical.js';
import { appendAudit, entryHash } from '../dist/domain/audit/chain.js';
import { hashInput } from '../dist/domain/audit/hash-input.js';
import { sha256Hex } from '../dist/domain/audit/sha256.js';
import { verifyChain } from '../dist/domain/audit/verify.js';
import { newId } from '../dist/domain/ids.js';
import { createRealm } from '../dist/domain/realm/lifecycle.js';
import { localAdmin } from '../dist/domain/principal.js';

const ENTRIES = Number(process.env.ENTRIES ?? 1_000_000);
const APPENDS = Math.min(Number(process.env.APPENDS ?? 2000), ENTRIES - 1);
const SEED_BATCH = 50_000;
const READ_CHUNK = 10_000;
const rssMiB = () => process.memoryUsage.rss() / 2 ** 20;

// A file, as the server uses: the database's pages then sit in the OS cache, not in this process's RSS.
const dir = mkdtempSync(join(tmpdir(), 'cp-verify-'));
const app = createApp({ db: join(dir, 'bench.db'), logger: pino({ level: 'silent' }), scheduler: false });
const ctx = { store: app.store, clock: app.clock, principal: localAdmin };
const realm = await createRealm(ctx, { name: 'bench', owner: 'bench' });
const details = (i) => ({ i, note: 'x'.repeat(40) });

let t = performance.now();
for (let i = 0; i < APPENDS; i++) {
  await app.store.write((tx) => appendAudit(tx, app.clock, { realmId: realm.id, actor: localAdmin, action: 'bench.tick', entityType: 'bench', entityId: `e${i}`, details: details(i) }));
}
const appendSecs = (performance.now() - t) / 1000;

t = performance.now();
const db = app.store.db;
const insert = db.prepare(
  'INSERT INTO audit_entries (id, realm_id, seq, actor_kind, actor_id, action, entity_type, entity_id, details, prev_hash, hash, timestamp) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
);
const moveHead = db.prepare('UPDATE audit_heads SET seq = ?, hash = ? WHERE realm_id = ?');
let head = db.prepare('SELECT seq, hash FROM audit_heads WHERE realm_id = ?').get(realm.id);
const start = Date.parse('2026-01-01T00:00:00Z');
while (head.seq < ENTRIES) {
  db.transaction(() => {
    for (const end = Math.min(ENTRIES, head.seq + SEED_BATCH); head.seq < end; ) {
      const seq = head.seq + 1;
      const base = {
        id: newId('act'), realmId: realm.id, seq, actorKind: 'human', actorId: localAdmin.id, action: 'bench.tick', entityType: 'bench',
        entityId: `e${seq}`, details: canonicalJson(details(seq)), prevHash: head.hash, timestamp: new Date(start + seq).toISOString(),
      };
      const hash = entryHash(base);
      insert.run(base.id, base.realmId, seq, base.actorKind, base.actorId, base.action, base.entityType, base.entityId, base.details, base.prevHash, hash, base.timestamp);
      head = { seq, hash };
    }
    moveHead.run(head.seq, head.hash, realm.id);
  })();
}
const seedSecs = (performance.now() - t) / 1000;

// The baseline hashes exactly the bytes verify hashes, built beforehand (untimed), a chunk at a time.
// CPU seconds are reported beside wall seconds: on a shared machine they move less with the other load.
const cpuSecs = (since) => {
  const { user, system } = process.cpuUsage(since);
  return (user + system) / 1e6;
};
const baseline = { oneShot: { wall: 0, cpu: 0 }, createHash: { wall: 0, cpu: 0 } };
const timed = (into, work) => {
  const cpu = process.cpuUsage();
  const wall = performance.now();
  work();
  into.wall += (performance.now() - wall) / 1000;
  into.cpu += cpuSecs(cpu);
};
for (let from = 1; from <= ENTRIES; from += READ_CHUNK) {
  const inputs = (await app.store.read((tx) => tx.audit.range(realm.id, from, READ_CHUNK))).map(hashInput);
  // hashInput returns a rope of concatenated pieces; hashing one flattens it in place. Untimed, so that the
  // baseline hashes flat strings: the bare cost of SHA-256 over these bytes (verify pays the flattening).
  inputs.forEach((text) => sha256Hex(text));
  timed(baseline.oneShot, () => inputs.forEach((text) => sha256Hex(text)));
  timed(baseline.createHash, () => inputs.forEach((text) => createHash('sha256').update(text, 'utf8').digest('hex')));
}
const baselineSecs = baseline.oneShot.wall;

// The floor under verify: the same rows through the same read (links), nothing hashed, in one read.
const floor = { wall: 0, cpu: 0 };
let scanned = 0;
const floorCpu = process.cpuUsage();
t = performance.now();
await app.store.read((tx) => tx.audit.links(realm.id, 1, ENTRIES, () => ++scanned > 0));
floor.wall = (performance.now() - t) / 1000;
floor.cpu = cpuSecs(floorCpu);
if (scanned !== ENTRIES) throw new Error(`scan read ${scanned} entries`);

global.gc?.();
const rssBefore = rssMiB();
let rssPeak = rssBefore;
const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMiB())), 10);
const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
t = performance.now();
const verifyCpu = process.cpuUsage();
const result = await verifyChain(ctx, { realmId: realm.id });
const verifySecs = (performance.now() - t) / 1000;
const verifyCpuSecs = cpuSecs(verifyCpu);
delay.disable();
clearInterval(sampler);
rssPeak = Math.max(rssPeak, rssMiB());
if (!result.valid || result.entryCount !== ENTRIES) throw new Error(`unexpected verify result ${JSON.stringify(result)}`);

const ratio = verifySecs / baselineSecs;
const cpuRatio = verifyCpuSecs / baseline.oneShot.cpu;
const row = (what, count, secs, cpu = '') => console.log(`| ${what} | ${(count / secs).toFixed(0)} | ${secs.toFixed(2)} | ${cpu} |`);
console.log(`audit chain bench: ${ENTRIES} entries, node ${process.version}, SQLite file (WAL)`);
console.log('| workload | entries/s | wall s | CPU s |');
console.log('|---|---:|---:|---:|');
row(`append through appendAudit (one IMMEDIATE transaction each, ${APPENDS} timed)`, APPENDS, appendSecs);
row(`seed the rest (${SEED_BATCH} a transaction, same entryHash)`, ENTRIES - APPENDS, seedSecs);
row('baseline: bare SHA-256 (crypto.hash) over the same bytes', ENTRIES, baselineSecs, baseline.oneShot.cpu.toFixed(2));
row('for reference: createHash().update().digest() over the same bytes', ENTRIES, baseline.createHash.wall, baseline.createHash.cpu.toFixed(2));
row('floor: read the same entries (AuditRepo.links), nothing hashed', ENTRIES, floor.wall, floor.cpu.toFixed(2));
row(`verifyChain: ${ratio.toFixed(2)}x the baseline (CPU ${cpuRatio.toFixed(2)}x)`, ENTRIES, verifySecs, verifyCpuSecs.toFixed(2));
console.log(`longest event-loop stall while verifying: ${(delay.max / 1e6).toFixed(1)} ms (p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms); RSS ${rssBefore.toFixed(0)} MiB before, ${rssPeak.toFixed(0)} MiB at most while verifying`);
if (process.env.BENCH_JSON === '1') {
  const met = verifySecs <= 3 && ratio <= 2;
  console.log(JSON.stringify({ rows: [{ what: `council_verify of ${ENTRIES} entries`, measured: `${verifySecs.toFixed(2)} s`, baseline: `${baselineSecs.toFixed(2)} s`, ratio: Number(ratio.toFixed(2)), target: '<= 3 s and <= 2x', met }] }));
}
await app.close();
rmSync(dir, { recursive: true, force: true });
