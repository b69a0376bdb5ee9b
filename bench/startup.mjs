// Start-up: from spawning the process to the first tools/list answer, for our server and the bare SDK
// baseline, alternating, medians of ROUNDS. npm run build first.  node bench/startup.mjs
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const here = new URL('.', import.meta.url).pathname;
const db = join(mkdtempSync(join(tmpdir(), 'cp-start-')), 'bench.db');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function firstList(args) {
  const started = performance.now();
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args, stderr: 'ignore' }));
  await client.listTools();
  const ms = performance.now() - started;
  await client.close();
  return ms;
}

const times = { baseline: [], ours: [] };
await firstList([join(here, '../dist/cli.js'), '--db', db]); // creates and migrates the database once
for (let i = 0; i < ROUNDS; i++) {
  times.baseline.push(await firstList([join(here, 'baseline-server.mjs')]));
  times.ours.push(await firstList([join(here, '../dist/cli.js'), '--db', db]));
}
const [b, o] = [median(times.baseline), median(times.ours)];
console.log(`start-up to the first tools/list (2025-11-25 handshake), node ${process.version}, median of ${ROUNDS}`);
console.log(`| server | ms | ratio |\n|---|---:|---:|\n| bare SDK server | ${b.toFixed(0)} | 1 |\n| control-plane-mcp | ${o.toFixed(0)} | ${(o / b).toFixed(2)} |`);
if (process.env.BENCH_JSON === '1') {
  // One JSON line last, for the suite runner (npm run bench) to collect.
  const ratio = Number((o / b).toFixed(2));
  const row = { what: 'start-up to the first tools/list answer', measured: `${o.toFixed(0)} ms`, baseline: `${b.toFixed(0)} ms`, ratio, target: '<= 1.5x and <= 300 ms', met: ratio <= 1.5 && o <= 300 };
  console.log(JSON.stringify({ rows: [row] }));
}
