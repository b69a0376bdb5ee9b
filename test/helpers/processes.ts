import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { callers } from './connect.js';

/** The built server binary; `npm test` builds it first. */
export const cliPath = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
if (!existsSync(cliPath)) throw new Error('dist/cli.js is missing: run `npm run build` (npm test does it for you)');

export const tempDb = () => join(mkdtempSync(join(tmpdir(), 'cp-test-')), 'control-plane.db');

/** A real server process on `db`, driven by the SDK Client over stdio. */
export async function spawnServer(db: string, args: string[] = []) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [cliPath, '--db', db, ...args],
    stderr: 'pipe',
    env: { ...process.env, CONTROL_PLANE_LOG_LEVEL: 'warn' } as Record<string, string>,
  });
  const client = new Client({ name: 'process-test', version: '1' });
  await client.connect(transport);
  const { tools } = await client.listTools();
  return { client, tools, pid: transport.pid, ...callers(client), close: () => client.close() };
}

/** How many migrations are committed: each database must have applied exactly these. */
export const migrationCount = (JSON.parse(readFileSync(new URL('../../drizzle/meta/_journal.json', import.meta.url), 'utf8')) as { entries: unknown[] }).entries.length;
