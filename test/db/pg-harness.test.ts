import { createServer } from 'node:net';
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

  it('starts on another port when the one it tried is taken (a failed start neither hangs nor leaks)', async (context) => {
    if (process.env.DATABASE_URL) context.skip(); // nothing is started when DATABASE_URL names a server
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as { port: number };
    try {
      const other = await startPostgres({ port });
      try {
        const url = new URL(await other.createDatabase());
        expect(Number(url.port)).not.toBe(port);
      } finally {
        await other.stop();
      }
    } finally {
      taken.close();
    }
  });
});
