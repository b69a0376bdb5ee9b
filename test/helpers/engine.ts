// Which store the tests' in-memory servers run on: SQLite (the default), or PostgreSQL when
// CONTROL_PLANE_TEST_ENGINE=postgres (one embedded server per test file, a fresh database per app, from
// test/helpers/postgres.ts). The same test files then exercise the PostgreSQL store through the same tools.
// The server is stopped, and its directory removed, after the file's tests: left to the process's exit, its
// ~100 MB data directory stayed behind in the temp directory.
import { afterAll } from 'vitest';
import type { App, StoreFactory } from '../../src/app-core.js';
import { openPostgres } from '../../src/db/pg/open.js';
import { SqliteStore } from '../../src/db/sqlite/store.js';
import type { Store } from '../../src/domain/store.js';
import { startPostgres, type TestPostgres } from './postgres.js';

export const testEngine = process.env.CONTROL_PLANE_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';

let server: Promise<TestPostgres> | null = null;
if (testEngine === 'postgres') afterAll(async () => void (await (await server)?.stop()));
/** The URL of the database each PostgreSQL store was opened on. */
const urls = new WeakMap<Store, string>();

/** A store factory on a fresh, migrated PostgreSQL database; undefined on SQLite (the app opens its `db`). */
export async function testStore(): Promise<StoreFactory | undefined> {
  if (testEngine === 'sqlite') return undefined;
  server ??= startPostgres();
  const url = await (await server).createDatabase();
  const open = await openPostgres(url);
  return (instanceId, onListenerError) => {
    const store = open(instanceId, onListenerError);
    urls.set(store, url);
    return store;
  };
}

/**
 * The database an app runs on, as a second server process is told it (spawnServer): the SQLite file, or the
 * PostgreSQL URL. An in-memory SQLite database cannot be shared: give connect() a file (tempDb()).
 */
export function databaseOf(app: App): string {
  const url = urls.get(app.store);
  if (url) return url;
  if (!(app.store instanceof SqliteStore)) throw new Error('databaseOf: a store that testStore() did not open');
  if (app.store.db.memory) throw new Error('databaseOf: the app runs on an in-memory SQLite database; give connect() a db file (tempDb())');
  return app.store.db.name;
}
