import type { Logger } from 'pino';
import { randomUUID } from 'node:crypto';
import { migrateDatabase, openDatabase } from './db/connection.js';
import { SqliteStore } from './db/sqlite/store.js';
import { systemClock, type Clock } from './domain/clock.js';
import type { Store } from './domain/store.js';
import { EventBus } from './events/bus.js';
import { subscribeCommands } from './events/inbound.js';
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
  /** How often to look for other processes' writes (ms). */
  pollMs?: number;
}

/** Everything one server process shares between its sessions: the store, the clock, the registry, the logger. */
export interface App {
  /** This process, as other processes on the same database see it. */
  instanceId: string;
  store: Store;
  clock: Clock;
  logger: Logger;
  bus: EventBus;
  registry: Registry;
  close(): void;
}

export function createApp(options: AppOptions): App {
  const logger = options.logger ?? createLogger();
  const db = openDatabase(options.db);
  migrateDatabase(db);
  const instanceId = `inst-${randomUUID()}`;
  const store = new SqliteStore(db, {
    origin: instanceId,
    pollMs: options.pollMs,
    onListenerError: (error) => logger.error({ err: error }, 'change listener failed'),
  });
  const clock = options.clock ?? systemClock;
  const bus = new EventBus(logger);
  // Our commits, and other processes' commits seen in the change feed, go out on the same bus.
  const stopLocal = store.onCommit((announced) => announced.forEach((a) => bus.publish({ ...a, origin: 'local' })));
  const stopRemote = store.watchOtherProcesses((announced) => announced.forEach((a) => bus.publish({ ...a, origin: 'remote' })));
  const stopCommands = subscribeCommands(bus, { store, clock }, logger);
  const registry = new Registry(catalogue, { toolsets: options.toolsets, readOnly: options.readOnly });
  return {
    instanceId,
    store,
    clock,
    logger,
    bus,
    registry,
    close: () => {
      stopCommands();
      stopRemote();
      stopLocal();
      store.close();
    },
  };
}
