import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

let server: TestPostgres;
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(() => server?.stop());

describe('the PostgreSQL test harness', () => {
  it('gives each call a fresh, empty database on a running server', async () => {
    const [a, b] = [await server.createDatabase(), await server.createDatabase()];
    expect(a).not.toBe(b);
    const client = new pg.Client({ connectionString: a });
    await client.connect();
    try {
      const { rows } = await client.query<{ version: string; tables: string }>(
        "select current_setting('server_version_num') as version, (select count(*) from pg_tables where schemaname = 'public') as tables",
      );
      expect(Number(rows[0]!.version)).toBeGreaterThanOrEqual(130000);
      expect(Number(rows[0]!.tables)).toBe(0);
    } finally {
      await client.end();
    }
  });
});
