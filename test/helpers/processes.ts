import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Era } from '../../src/server.js';
import { callers, clientFor, watchers } from './connect.js';

/** The built server binary; `npm test` builds it first. */
export const cliPath = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
if (!existsSync(cliPath)) throw new Error('dist/cli.js is missing: run `npm run build` (npm test does it for you)');

export const tempDb = () => join(mkdtempSync(join(tmpdir(), 'cp-test-')), 'control-plane.db');

/** The flags naming a database: a SQLite file, or a PostgreSQL URL. */
export const databaseArgs = (db: string) => (/^postgres(ql)?:\/\//.test(db) ? ['--database-url', db] : ['--db', db]);

/**
 * A real server process on `db` (a SQLite file, or a postgres:// URL as test/helpers/engine.ts databaseOf()
 * gives it), driven by the SDK's v2 Client over stdio (2026-07-28 unless `era: 'legacy'`).
 */
export async function spawnServer(db: string, args: string[] = [], options: { era?: Era } = {}) {
  const era = options.era ?? 'modern';
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [cliPath, ...databaseArgs(db), ...args],
    stderr: 'pipe',
    env: { ...process.env, CONTROL_PLANE_LOG_LEVEL: 'warn' } as Record<string, string>,
  });
  const client = clientFor(era, 'process-test');
  await client.connect(transport);
  const { tools } = await client.listTools();
  return { client, tools, era, pid: transport.pid, ...callers(client), ...watchers(client, era), close: () => client.close() };
}

/** How many migrations are committed: each database must have applied exactly these. */
export const migrationCount = (JSON.parse(readFileSync(new URL('../../drizzle/meta/_journal.json', import.meta.url), 'utf8')) as { entries: unknown[] }).entries.length;
