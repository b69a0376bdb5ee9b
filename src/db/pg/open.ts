// A server on PostgreSQL: the migrations applied (under the advisory lock, so instances starting together do not
// race), then a factory for the store each process builds. Loaded only when a database URL is given.
import type { StoreFactory } from '../../app-core.js';
import { migratePostgres } from './migrate.js';
import { createPool } from './pool.js';
import { pgRepos } from './repos/index.js';
import { createPgStore } from './store.js';

export async function openPostgres(url: string, options: { readOnly?: boolean } = {}): Promise<StoreFactory> {
  if (!options.readOnly) await migratePostgres(url);
  return (instanceId, onListenerError) =>
    createPgStore(createPool(url, { applicationName: `control-plane-mcp ${instanceId}`.slice(0, 63) }), pgRepos, { origin: instanceId, onListenerError });
}
