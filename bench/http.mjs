// Tool calls over Streamable HTTP and REST reads, against baselines measured in the same run:
//   npm run build && node bench/http.mjs        BENCH_CALLS=3000 BENCH_CLIENTS=32
// MCP: 32 clients, each calling one at a time, in each era; ours calls realm_get (with a token), the baseline
// the SDK's createMcpHandler example with one no-op tool. REST: 32 concurrent loops of GET /api/realms/:id
// against a bare node:http server returning the same JSON.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const CALLS = Number(process.env.BENCH_CALLS ?? 3000);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 32);
const here = new URL('.', import.meta.url).pathname;
const cli = join(here, '../dist/cli.js');
const db = join(mkdtempSync(join(tmpdir(), 'cp-bench-http-')), 'bench.db');
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

function started(child, pattern) {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk) => {
      text += chunk;
      const match = pattern(text);
      if (match) resolve(match);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${text}`)));
  });
}

/** Runs `call(worker)` CALLS times over CLIENTS concurrent workers; calls/s and latency percentiles. */
async function measure(workers, call) {
  const latencies = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(workers.map(async (worker) => {
    while (next < CALLS) {
      next++;
      const t = performance.now();
      await call(worker);
      latencies.push(performance.now() - t);
    }
  }));
  latencies.sort((a, b) => a - b);
  return { rate: CALLS / ((performance.now() - t0) / 1000), p50: pct(latencies, 50), p99: pct(latencies, 99) };
}

/** Connected clients, each warmed up with one call: the SDK client compiles a tool's output schema on its first call. */
async function clients(url, era, token, warmUp) {
  return Promise.all(Array.from({ length: CLIENTS }, async () => {
    const client = new Client({ name: 'bench', version: '1' }, era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {});
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: token ? { authorization: `Bearer ${token}` } : {} } }));
    await client.listTools();
    await warmUp(client);
    return client;
  }));
}

// Ours: a realm to read, a token, the server.
spawnSync(process.execPath, [cli, 'token', 'list', '--db', db]);
const token = spawnSync(process.execPath, [cli, 'token', 'create', '--role', 'admin', '--db', db], { encoding: 'utf8' }).stdout.trim().split('\n').at(-1);
const ours = spawn(process.execPath, [cli, '--http', '--port', '0', '--db', db], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, CONTROL_PLANE_LOG_LEVEL: 'info' } });
ours.stderr.setEncoding('utf8');
const oursUrl = await started(ours, (t) => t.split('\n').map((l) => { try { return JSON.parse(l).url; } catch { return undefined; } }).find(Boolean));
const realm = await (await fetch(`${oursUrl}/api/realms`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bench', owner: 'bench' }) })).json();
const realmJson = JSON.stringify(realm);

const base = spawn(process.execPath, [join(here, 'baseline-http-server.mjs')], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, BENCH_JSON: realmJson } });
base.stdout.setEncoding('utf8');
const basePort = await started(base, (t) => (/^(\d+)\n/.exec(t) ?? [])[1]);
const baseUrl = `http://127.0.0.1:${basePort}`;

const rows = [];
for (const era of ['legacy', 'modern']) {
  const label = era === 'legacy' ? '2025-11-25' : '2026-07-28';
  const noop = (c) => c.callTool({ name: 'noop', arguments: {} });
  const read = async (c) => {
    const r = await c.callTool({ name: 'realm_get', arguments: { id: realm.id } });
    if (r.isError) throw new Error(r.content[0].text);
  };
  const baseClients = await clients(`${baseUrl}/mcp`, era, null, noop);
  const b = await measure(baseClients, noop);
  const ourClients = await clients(`${oursUrl}/mcp`, era, token, read);
  const o = await measure(ourClients, read);
  rows.push([`MCP tool call, ${label}, bare SDK createMcpHandler (no-op)`, b, null], [`MCP realm_get, ${label}, control-plane-mcp`, o, o.rate / b.rate]);
  await Promise.all([...baseClients, ...ourClients].map((c) => c.close()));
}
const workers = Array.from({ length: CLIENTS }, () => null);
const bareRest = await measure(workers, async () => void (await (await fetch(`${baseUrl}/json`)).text()));
const ourRest = await measure(workers, async () => {
  const r = await fetch(`${oursUrl}/api/realms/${realm.id}`, { headers: { authorization: `Bearer ${token}` } });
  if (r.status !== 200) throw new Error(String(r.status));
  await r.text();
});
rows.push(['REST read, bare node:http (same JSON)', bareRest, null], ['REST GET /api/realms/:id, control-plane-mcp', ourRest, ourRest.rate / bareRest.rate]);
ours.kill('SIGTERM');
base.kill('SIGTERM');

console.log(`control-plane-mcp HTTP bench: ${CALLS} calls per row, ${CLIENTS} concurrent clients, node ${process.version}`);
console.log('| workload | calls/s | p50 ms | p99 ms | ratio to baseline |\n|---|---:|---:|---:|---:|');
for (const [name, r, ratio] of rows) console.log(`| ${name} | ${r.rate.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${ratio === null ? '1 (baseline)' : ratio.toFixed(2)} |`);
process.exit(0);
