import type { Logger } from 'pino';
import { migrateDatabase, openDatabase } from './db/connection.js';
import { SqliteStore } from './db/sqlite/store.js';
import { systemClock, type Clock } from './domain/clock.js';
import type { Store } from './domain/store.js';
import { createLogger } from './logger.js';
import { catalogue } from './tools/catalogue.js';
import type { Area } from './tools/declaration.js';
import { Registry } from './tools/registry.js';

export interface AppOptions {
  /** A database file path, or ":memory:". */
  db: string;
  toolsets?: readonly Area[];
  readOnly?: boolean;
  clock?: Clock;
  logger?: Logger;
}

/** Everything one server process shares between its sessions: the store, the clock, the registry, the logger. */
export interface App {
  store: Store;
  clock: Clock;
  logger: Logger;
  registry: Registry;
  close(): void;
}

export function createApp(options: AppOptions): App {
  const logger = options.logger ?? createLogger();
  const db = openDatabase(options.db);
  migrateDatabase(db);
  const store = new SqliteStore(db, (error) => logger.error({ err: error }, 'commit listener failed'));
  const registry = new Registry(catalogue, { toolsets: options.toolsets, readOnly: options.readOnly });
  return {
    store,
    clock: options.clock ?? systemClock,
    logger,
    registry,
    close: () => store.close(),
  };
}
