import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { is } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { committedPgMigrations, migratePostgres, MIGRATION_LOCK } from '../../src/db/pg/migrate.js';
import * as schema from '../../src/db/pg/schema.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

const run = promisify(execFile);
const builtMigrate = fileURLToPath(new URL('../../dist/db/pg/migrate.js', import.meta.url));
const tableCount = Object.values(schema as Record<string, unknown>).filter((t) => is(t, PgTable)).length;

let server: TestPostgres;
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(() => server?.stop());

async function query<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

const applied = (url: string) => query<{ hash: string; created_at: string }>(url, 'SELECT hash, created_at FROM drizzle.__drizzle_migrations ORDER BY id');
const publicTables = async (url: string) => Number((await query<{ n: string }>(url, "SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'public'"))[0]!.n);

describe('PostgreSQL migrations at start-up', () => {
  it('three server processes migrating one new database at once all succeed, and each migration is applied once', async () => {
    if (!existsSync(builtMigrate)) throw new Error('dist/db/pg/migrate.js is missing: run `npm run build` (npm test does it for you)');
    const url = await server.createDatabase();
    const script = `import { migratePostgres } from ${JSON.stringify(builtMigrate)}; await migratePostgres(process.env.MIGRATE_URL);`;
    const processes = [1, 2, 3].map(() => run(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, MIGRATE_URL: url } }));
    const results = await Promise.allSettled(processes);
    expect(results.map((r) => (r.status === 'fulfilled' ? 'ok' : String(r.reason)))).toEqual(['ok', 'ok', 'ok']);
    const rows = await applied(url);
    expect(rows).toHaveLength(committedPgMigrations());
    expect(new Set(rows.map((r) => r.hash)).size).toBe(rows.length);
    expect(await publicTables(url)).toBe(tableCount);
  });

  it('waits for the advisory lock another instance holds before touching the database, then applies nothing twice', async () => {
    const url = await server.createDatabase();
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [MIGRATION_LOCK]);
      let settled = false;
      const migrating = migratePostgres(url).finally(() => (settled = true));
      // The migrating connection shows up blocked on the advisory lock, with nothing created yet.
      for (let i = 0; ; i++) {
        const [waiting] = await query<{ n: string }>(
          url,
          "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'control-plane-mcp migrate' AND wait_event = 'advisory'",
        );
        if (Number(waiting!.n) === 1) break;
        if (i > 200) throw new Error('migratePostgres never waited on the advisory lock');
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(settled).toBe(false);
      expect(await query(url, "SELECT 1 FROM pg_namespace WHERE nspname = 'drizzle'")).toEqual([]);
      await holder.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [MIGRATION_LOCK]);
      await migrating;
    } finally {
      await holder.end();
    }
    expect(await applied(url)).toHaveLength(committedPgMigrations());
    await migratePostgres(url);
    expect(await applied(url)).toHaveLength(committedPgMigrations());
    expect(await publicTables(url)).toBe(tableCount);
    // The lock is not left held by anyone.
    expect(await query(url, "SELECT 1 FROM pg_locks WHERE locktype = 'advisory'")).toEqual([]);
  });

  it('makes tables that sort text as SQLite does even in a database whose locale sorts otherwise', async () => {
    const url = await server.createDatabase({ icuLocale: 'en-US' });
    await migratePostgres(url);
    const ids = ['alice', 'Bob', 'agent_2', 'agent-10', 'a b', 'ab'];
    const [byLocale] = await query<{ order: string[] }>(url, 'SELECT array_agg(v ORDER BY v) AS order FROM unnest($1::text[]) v', [ids]);
    await query(url, "INSERT INTO node_capabilities (realm_id, capability, agent_id) SELECT 'realm-1', 'x', v FROM unnest($1::text[]) v", [ids]);
    const sorted = await query<{ agent_id: string }>(url, "SELECT agent_id FROM node_capabilities WHERE realm_id = 'realm-1' ORDER BY agent_id");
    // The database's own order (en-US) differs; the columns sort in SQLite's byte order, which JS's default sort also gives.
    expect(byLocale!.order).not.toEqual([...ids].sort());
    expect(sorted.map((r) => r.agent_id)).toEqual([...ids].sort());
  });
});
