// Servers over real stdio, calls that must succeed, and the two ways rows are measured: throughput of many
// calls (some in flight at once) and the median time of one call.
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const here = new URL('..', import.meta.url).pathname;
export const cli = join(here, '../dist/cli.js');
export const baselineServer = join(here, 'baseline-server.mjs');
const ERA = process.env.BENCH_ERA ?? 'modern';

/** A server process and its client. `args`: after `node`. */
export async function start(args) {
  const transport = new StdioClientTransport({ command: process.execPath, args, stderr: process.env.BENCH_STDERR ? 'inherit' : 'ignore' });
  const client = new Client({ name: 'bench', version: '1' }, ERA === 'legacy' ? {} : { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(transport);
  const { tools } = await client.listTools();
  return { client, tools, pid: transport.pid, close: () => client.close() };
}
// BENCH_NODE_FLAGS: flags for our server's node (e.g. to try V8 heap settings), not for the baseline.
export const nodeFlags = process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
export const startOurs = (db, args = []) => start([...nodeFlags, cli, '--db', db, ...args]);
export const startBaseline = () => start([baselineServer]);

/** Calls a tool; an error answer fails the bench (it must not pass for a fast answer). */
export async function call(client, name, args, options = {}) {
  const result = await client.callTool({ name, arguments: args }, options);
  if (result.isError) throw new Error(`${name} ${JSON.stringify(args)} failed: ${result.content?.[0]?.text}`);
  return result.structuredContent;
}
export const noop = (server) => () => server.client.callTool({ name: 'noop', arguments: {} });

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const rssMiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

/** Calls `make(i)` `calls` times, `inFlight` at a time, until done or `seconds` passed; calls/s. */
export async function rate(make, { calls = Infinity, inFlight = 1, seconds = Infinity } = {}) {
  let next = 0;
  let done = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < calls && performance.now() < deadline) {
        const i = next++;
        const made = make(i);
        if (made === null) return; // nothing left to do
        await made;
        done++;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

/** Milliseconds one call takes. */
export async function ms(make) {
  const t = performance.now();
  await make();
  return performance.now() - t;
}
