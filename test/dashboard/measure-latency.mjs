// How long a change takes to reach an open /api/events stream, from the start of the call that makes it:
// made through the HTTP server itself, and made by another process on the same database (the change feed).
// Run after `npm run build`: node test/dashboard/measure-latency.mjs [count]
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const count = Number(process.argv[2] ?? 20);
const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const db = join(mkdtempSync(join(tmpdir(), 'cp-latency-')), 'control-plane.db');
const server = spawn(process.execPath, [cli, '--http', '--port', '0', '--no-auth', '--db', db], { stdio: ['ignore', 'ignore', 'pipe'] });
const url = await new Promise((resolve) => {
  let text = '';
  server.stderr.on('data', (chunk) => {
    text += chunk;
    const line = text.split('\n').find((l) => l.includes('"serving HTTP"'));
    if (line) resolve(JSON.parse(line).url);
  });
});
const post = async (path, body) => (await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json();
const realmId = (await post('/api/realms', { name: 'latency', owner: 'o' })).id;
await post('/api/hierarchy', { realmId, agentId: 'agent-a' });

const waiting = new Map();
const stream = await fetch(`${url}/api/events?realmId=${realmId}`);
void (async () => {
  const reader = stream.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    for (const match of buffer.matchAll(/"missionId":"([^"]+)","event":"checked_out"/g)) waiting.get(match[1])?.();
    buffer = buffer.slice(buffer.lastIndexOf('\n\n') + 1);
  }
})();
const arrival = (id) => new Promise((resolve) => waiting.set(id, resolve));

const other = new Client({ name: 'latency', version: '1' });
await other.connect(new StdioClientTransport({ command: process.execPath, args: [cli, '--db', db], stderr: 'ignore' }));

const stats = (ms) => {
  const sorted = [...ms].sort((a, b) => a - b);
  return `median ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} ms, max ${sorted.at(-1).toFixed(1)} ms`;
};
for (const [label, checkout] of [
  ['same process (REST)', (id) => post(`/api/missions/${id}/checkout`, { realmId, agentId: 'agent-a' })],
  ['other process (stdio MCP)', (id) => other.callTool({ name: 'mission_checkout', arguments: { realmId, id, agentId: 'agent-a' } })],
]) {
  const ms = [];
  for (let i = 0; i < count; i++) {
    const { id } = await post('/api/missions', { realmId, title: `m${i}`, createdBy: 'o', status: 'queued' });
    const arrived = arrival(id);
    const t0 = performance.now();
    await Promise.all([checkout(id), arrived]);
    ms.push(performance.now() - t0);
  }
  console.log(`${label}: ${count} checkouts, from the call to its event on the stream: ${stats(ms)}`);
}
await other.close();
server.kill('SIGTERM');
process.exit(0);
