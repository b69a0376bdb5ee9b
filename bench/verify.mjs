// Audit chain: append rate, verify rate, and the longest event-loop stall while verifying (other sessions
// wait that long at most). Baseline: sha256 over the same canonical bytes in a tight loop, in the same run.
//   npm run -s build && node bench/verify.mjs        (ENTRIES=100000 by default)
import { createHash } from 'node:crypto';
import { performance, monitorEventLoopDelay } from 'node:perf_hooks';
import pino from 'pino';
import { createApp } from '../dist/app.js';
import { appendAudit, hashInput } from '../dist/domain/audit/chain.js';
import { verifyChain } from '../dist/domain/audit/verify.js';
import { createRealm } from '../dist/domain/realm/lifecycle.js';
import { localHuman } from '../dist/domain/principal.js';

const ENTRIES = Number(process.env.ENTRIES ?? 100_000);
const app = createApp({ db: ':memory:', logger: pino({ level: 'silent' }), readOnly: true });
const ctx = { store: app.store, clock: app.clock, principal: localHuman };
const realm = await createRealm(ctx, { name: 'bench', owner: 'bench' });

let t = performance.now();
for (let i = 1; i < ENTRIES; i++) {
  await app.store.write((tx) => appendAudit(tx, app.clock, { realmId: realm.id, actor: localHuman, action: 'bench.tick', entityType: 'bench', entityId: `e${i}`, details: { i, note: 'x'.repeat(40) } }));
}
const appendSecs = (performance.now() - t) / 1000;

const rows = await app.store.read((tx) => tx.audit.range(realm.id, 1, ENTRIES));
t = performance.now();
for (const row of rows) createHash('sha256').update(hashInput(row)).digest('hex');
const baselineSecs = (performance.now() - t) / 1000;

const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
t = performance.now();
const result = await verifyChain(ctx, { realmId: realm.id });
const verifySecs = (performance.now() - t) / 1000;
delay.disable();
if (!result.valid || result.entryCount !== ENTRIES) throw new Error(`unexpected verify result ${JSON.stringify(result)}`);

console.log(`audit chain bench: ${ENTRIES} entries, node ${process.version}, SQLite :memory:`);
console.log('| workload | entries/s | total s |');
console.log('|---|---:|---:|');
console.log(`| append (one IMMEDIATE transaction each) | ${(ENTRIES / appendSecs).toFixed(0)} | ${appendSecs.toFixed(2)} |`);
console.log(`| baseline: hash the stored rows in a tight loop | ${(ENTRIES / baselineSecs).toFixed(0)} | ${baselineSecs.toFixed(2)} |`);
console.log(`| verifyChain (chunks of 500, event loop yielded between) | ${(ENTRIES / verifySecs).toFixed(0)} | ${verifySecs.toFixed(2)} (ratio to baseline ${(verifySecs / baselineSecs).toFixed(2)}) |`);
console.log(`longest event-loop stall while verifying: ${(delay.max / 1e6).toFixed(1)} ms (p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms); RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
await app.close();
