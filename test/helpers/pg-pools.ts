// `instances` connection pools on one fresh, migrated database of a PostgreSQL started for the test file, each
// pool standing for one server instance (application_name instance-<i>). The returned array is filled before
// the file's tests; the pools are ended and the server stopped after them.
import type pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { migratePostgres } from '../../src/db/pg/migrate.js';
import { createPool } from '../../src/db/pg/pool.js';
import { startPostgres, type TestPostgres } from './postgres.js';

export function instancePools(instances: number, connectionsEach: number, database: { icuLocale?: string } = {}): pg.Pool[] {
  const pools: pg.Pool[] = [];
  let server: TestPostgres | undefined;
  beforeAll(async () => {
    server = await startPostgres();
    const url = await server.createDatabase(database);
    await migratePostgres(url);
    pools.push(...Array.from({ length: instances }, (_, i) => createPool(url, { max: connectionsEach, applicationName: `instance-${i}` })));
  });
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end()));
    await server?.stop();
  });
  return pools;
}
