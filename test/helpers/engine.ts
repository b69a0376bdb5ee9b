// Which store the tests' in-memory servers run on: SQLite (the default), or PostgreSQL when
// CONTROL_PLANE_TEST_ENGINE=postgres (one embedded server per test file, a fresh database per app, from
// test/helpers/postgres.ts). The same test files then exercise the PostgreSQL store through the same tools.
// The server is stopped, and its directory removed, after the file's tests: left to the process's exit, its
// ~100 MB data directory stayed behind in the temp directory.
import { afterAll } from 'vitest';
import type { StoreFactory } from '../../src/app-core.js';
import { openPostgres } from '../../src/db/pg/open.js';
import { startPostgres, type TestPostgres } from './postgres.js';

export const testEngine = process.env.CONTROL_PLANE_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';

let server: Promise<TestPostgres> | null = null;
if (testEngine === 'postgres') afterAll(async () => void (await (await server)?.stop()));
/** A store factory on a fresh, migrated PostgreSQL database; undefined on SQLite (the app opens its `db`). */
export async function testStore(): Promise<StoreFactory | undefined> {
  if (testEngine === 'sqlite') return undefined;
  server ??= startPostgres();
  return openPostgres(await (await server).createDatabase());
}

