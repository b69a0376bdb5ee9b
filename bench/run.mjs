// Throughput and latency of tool calls over real stdio, against a bare SDK server measured in the same run.
//   npm run bench:calls           (builds first; npm run bench runs every benchmark, bench/suite.mjs)
//   BENCH_CALLS=5000 node bench/run.mjs      BENCH_ERA=legacy for the 2025-11-25 handshake (default 2026-07-28)
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const CALLS = Number(process.env.BENCH_CALLS ?? 2000);
const IN_FLIGHT = 32;
const ERA = process.env.BENCH_ERA ?? 'modern';
const here = new URL('.', import.meta.url).pathname;

async function start(args) {
  const transport = new StdioClientTransport({ command: process.execPath, args, stderr: 'ignore' });
  const client = new Client({ name: 'bench', version: '1' }, ERA === 'legacy' ? {} : { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(transport);
  await client.listTools();
  return { client, pid: transport.pid };
}

const rssMiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function call(client, name, args) {
  const r = await client.callTool({ name, arguments: args });
  if (r.isError) throw new Error(`${name}: ${r.content[0].text}`);
  return r.structuredContent;
}

/** Runs `make(i)` CALLS times, `inFlight` at a time; returns calls/s and latency percentiles in ms. */
async function measure(make, inFlight = 1) {
  const latencies = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < CALLS) {
        const i = next++;
        const t = performance.now();
        await make(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { rate: CALLS / seconds, p50: pct(latencies, 50), p95: pct(latencies, 95), p99: pct(latencies, 99) };
}

const baseline = await start([join(here, 'baseline-server.mjs')]);
const db = join(mkdtempSync(join(tmpdir(), 'cp-bench-')), 'bench.db');
const ours = await start([join(here, '../dist/cli.js'), '--db', db]);

const realm = await call(ours.client, 'realm_create', { name: 'bench', owner: 'bench' });
const realmId = realm.id;
for (let i = 0; i < 8; i++) await call(ours.client, 'hierarchy_set', { realmId, agentId: `agent-${i}`, capabilities: ['work'] });
const missions = [];

const rows = [];
const record = (name, figures, base) => rows.push({ name, ...figures, ratio: base ? figures.rate / base.rate : null });

const base1 = await measure(() => baseline.client.callTool({ name: 'noop', arguments: {} }));
record('baseline noop (bare SDK), sequential', base1);
const baseN = await measure(() => baseline.client.callTool({ name: 'noop', arguments: {} }), IN_FLIGHT);
record(`baseline noop (bare SDK), ${IN_FLIGHT} in flight`, baseN);

record('realm_get, sequential', await measure(() => call(ours.client, 'realm_get', { id: realmId })), base1);
record(`realm_get, ${IN_FLIGHT} in flight`, await measure(() => call(ours.client, 'realm_get', { id: realmId }), IN_FLIGHT), baseN);
record(
  'mission_create (write + audit), sequential',
  await measure(async () => missions.push((await call(ours.client, 'mission_create', { realmId, title: 't', createdBy: 'bench', status: 'queued', requiredCapabilities: ['work'] })).id)),
  base1,
);
record(
  'mission_checkout (CAS + audit), sequential',
  await measure((i) => call(ours.client, 'mission_checkout', { realmId, id: missions[i], agentId: `agent-${i % 8}` })),
  base1,
);
record('mission_list (50 rows), sequential', await measure(() => call(ours.client, 'mission_list', { realmId, limit: 50 })), base1);

const memory = { baseline: rssMiB(baseline.pid), ours: rssMiB(ours.pid) };
await baseline.client.close();
await ours.client.close();

console.log(`control-plane-mcp bench: ${CALLS} calls per row, node ${process.version}, stdio (${ERA === 'legacy' ? '2025-11-25' : '2026-07-28'}), SQLite file in ${tmpdir()}`);
console.log('| workload | calls/s | p50 ms | p95 ms | p99 ms | ratio to baseline |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(`| ${r.name} | ${r.rate.toFixed(0)} | ${r.p50.toFixed(3)} | ${r.p95.toFixed(3)} | ${r.p99.toFixed(3)} | ${r.ratio === null ? '1 (baseline)' : r.ratio.toFixed(2)} |`);
}
console.log(`RSS after the run: baseline ${memory.baseline.toFixed(1)} MiB, control-plane-mcp ${memory.ours.toFixed(1)} MiB (ratio ${(memory.ours / memory.baseline).toFixed(2)})`);
