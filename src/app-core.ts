import type { Logger } from 'pino';
import { randomUUID } from 'node:crypto';
import { migrateDatabase, openDatabase, requireMigrated } from './db/connection.js';
import { SqliteStore } from './db/sqlite/store.js';
import { systemClock, type Clock } from './domain/clock.js';
import type { Keyed, SortKey, Store } from './domain/store.js';
import type { Realm } from './domain/realm/model.js';
import type { BridgeExecutor } from './bridge/executor.js';
import { loadPrices, type PriceTable } from './bridge/prices.js';
import { EventBus } from './events/bus.js';
import type { PulseScheduler } from './scheduler/scheduler.js';
import { subscribeCommands } from './events/inbound.js';
import { createLogger } from './logger.js';
import { catalogue } from './tools/catalogue.js';
import type { Area } from './tools/declaration.js';
import type { CallObserver } from './tools/dispatch.js';
import { Registry } from './tools/registry.js';

export interface AppOptions {
  /** A database file path, or ":memory:". */
  db: string;
  /**
   * Builds the store instead of opening `db` (the PostgreSQL one: src/db/pg/open.ts, loaded only when asked
   * for, so that a SQLite server never loads pg).
   */
  openStore?: StoreFactory;
  toolsets?: readonly Area[];
  readOnly?: boolean;
  clock?: Clock;
  logger?: Logger;
  /** How often to look for other processes' writes (ms). */
  pollMs?: number;
  /** A JSON price table for tokens that come without a cost (--prices, CONTROL_PLANE_PRICES), and which of the two named it. */
  pricesFile?: string;
  pricesSource?: string;
  /** Heartbeat and staleness of server processes (ms); runs of a stale owner are marked process_lost. */
  heartbeatMs?: number;
  staleMs?: number;
  /** Between SIGTERM and SIGKILL when a run is stopped (ms). */
  graceMs?: number;
  /** How a spawned agent starts this server on the same database (env: see ControlPlaneCommand). */
  controlPlane?: { command: string; args: string[]; env?: Record<string, string> } | null;
  /** Compete for the scheduler lease and run pulses (default: unless read-only). */
  scheduler?: boolean;
  /** Scheduler lease expiry and renewal, retry polling and the first retry delay (ms). */
  leaseMs?: number;
  renewMs?: number;
  retryPollMs?: number;
  retryBaseMs?: number;
  /** Between mission lease sweeps (ms, default 5000). */
  leaseSweepMs?: number;
  /** Test-only: serve the fixtures the MCP conformance suite calls by name (src/conformance/fixtures.ts). */
  conformanceFixtures?: boolean;
}

/** Makes the store of a process, given its instance id (written on its changes) and where listener errors go. */
export type StoreFactory = (instanceId: string, onListenerError: (error: unknown) => void) => Store;

/** Everything one server process shares between its sessions: the store, the clock, the registry, the logger. */
export interface App {
  /** This process, as other processes on the same database see it. */
  instanceId: string;
  store: Store;
  clock: Clock;
  logger: Logger;
  bus: EventBus;
  registry: Registry;
  /** Runs agents (absent in a read-only process, and until `ready`). */
  runner: BridgeExecutor | null;
  /** Runs pulse schedules while this process holds the lease (absent in a read-only process, and until `ready`). */
  scheduler: PulseScheduler | null;
  /** The mission lease sweep (absent in a read-only process, and until `ready`). */
  leaseSweep: BackgroundParts['leaseSweep'];
  /**
   * Starts the background parts (runner, liveness and recovery of lost runs, scheduler) if they are not yet
   * started, and resolves once `runner` and `scheduler` are in place. createApp starts them at once; the CLI
   * loads them after its first answers (createAppWith and a deferred Background).
   */
  ready(): Promise<void>;
  /** Stops schedules and runs (runs are recorded as interrupted), then the store. `killAfterMs`: see BridgeExecutor.close. */
  close(options?: { killAfterMs?: number }): Promise<void>;
  /** Told of every tool call and REST request (the HTTP mode's metrics set it). */
  observeCall?: CallObserver;
  conformanceFixtures?: boolean;
}

/** Every 1,000th entry of a realm's chain, written by this process, is logged: an anchor for council_verify. */
export const ANCHOR_EVERY = 1000;
const logAnchors = (bus: EventBus, logger: Logger) =>
  bus.subscribe('audit.appended', (m) => {
    const seq = Number(m.payload.seq);
    if (m.origin === 'local' && seq % ANCHOR_EVERY === 0) logger.info({ realmId: m.realmId, anchor: { seq, hash: m.payload.hash } }, 'audit anchor');
  });

/** What the background parts are built from: the app's core. */
export interface Core {
  options: AppOptions;
  instanceId: string;
  store: Store;
  clock: Clock;
  logger: Logger;
  bus: EventBus;
  prices: PriceTable;
}

/** The parts of an app that run on their own: they start after the core, and stop before the store closes. */
export interface BackgroundParts {
  runner: BridgeExecutor | null;
  scheduler: PulseScheduler | null;
  /** Requeues missions whose lease expired (null when read-only); `sweep()` runs one pass now. */
  leaseSweep: { sweep(): Promise<number> } | null;
  close(options?: { killAfterMs?: number }): Promise<void>;
}

/** Starts the background parts: at once (createApp) or once loaded (the CLI, from its own bundle chunk). */
export type Background = (core: Core) => BackgroundParts | Promise<BackgroundParts>;

export function createAppWith(options: AppOptions, background: Background): App {
  const logger = options.logger ?? createLogger();
  // Everything that can be refused is checked before the database is touched.
  const prices = loadPrices(options.pricesFile, options.pricesSource);
  const instanceId = `inst-${randomUUID()}`;
  const onListenerError = (error: unknown) => logger.error({ err: error }, 'change listener failed');
  const store = options.openStore ? options.openStore(instanceId, onListenerError) : sqliteStore(options, logger, instanceId, onListenerError);
  const clock = options.clock ?? systemClock;
  const bus = new EventBus(logger);
  // Our commits, and other processes' commits seen in the change feed, go out on the same bus.
  const stopLocal = store.onCommit((announced) => announced.forEach((a) => bus.publish({ ...a, origin: 'local' })));
  const stopRemote = store.watchOtherProcesses((announced) =>
    announced.forEach((a) => {
      if (a.topic !== RESYNC_TOPIC) return bus.publish({ ...a, origin: 'remote' });
      // Every realm's views may be stale: subscribers are told which realms there are (src/resources/declarations.ts).
      allRealmIds(store).then(
        (realmIds) => bus.publish({ ...a, payload: { ...a.payload, realmIds }, origin: 'remote' }),
        (error) => logger.warn({ err: error }, 'store.resync: realms not read; subscribers not refreshed'),
      );
    }),
  );
  const stopCommands = subscribeCommands(bus, { store, clock }, logger);
  const stopAnchors = logAnchors(bus, logger);
  const registry = new Registry(catalogue, { toolsets: options.toolsets, readOnly: options.readOnly });
  let parts: Promise<BackgroundParts | null> = Promise.resolve(null);
  let ready: Promise<void> | null = null;
  let closed: Promise<void> | null = null;
  const app: App = {
    instanceId,
    store,
    clock,
    logger,
    bus,
    registry,
    runner: null,
    scheduler: null,
    leaseSweep: null,
    conformanceFixtures: options.conformanceFixtures ?? false,
    ready() {
      if (ready) return ready;
      if (closed) return (ready = Promise.resolve());
      const place = (started: BackgroundParts) => {
        app.runner = started.runner;
        app.scheduler = started.scheduler;
        app.leaseSweep = started.leaseSweep;
        return started;
      };
      const started = background({ options, instanceId, store, clock, logger, bus, prices });
      // Parts started synchronously are in place before ready() returns (createApp relies on it).
      parts = started instanceof Promise ? started.then(place) : Promise.resolve(place(started));
      return (ready = parts.then(() => {}));
    },
    close: (closeOptions = {}) =>
      (closed ??= (async () => {
        // Parts still loading are closed once they are there; parts never started (or never loaded) have nothing to stop.
        await (await parts.catch(() => null))?.close(closeOptions);
        stopCommands();
        stopAnchors();
        stopRemote();
        stopLocal();
        await store.close();
      })()),
  };
  return app;
}

function sqliteStore(options: AppOptions, logger: Logger, instanceId: string, onListenerError: (error: unknown) => void): Store {
  const { db, snapshot } = openDatabase(options.db, { readOnly: options.readOnly });
  // A private in-memory database starts empty, read-only or not.
  if (options.readOnly && options.db !== ':memory:') requireMigrated(db);
  else migrateDatabase(db);
  if (snapshot) logger.warn({ db: options.db }, 'the database directory is not writable: serving a snapshot read into memory; later writes by other processes are not seen');
  // Logged each time: a worker that cannot start means every long verify walks on the event loop instead.
  const chainWorkers = { onError: (error: unknown) => logger.warn({ err: error }, 'verify: a chain worker failed; the chain is walked instead') };
  return new SqliteStore(db, { origin: instanceId, pollMs: options.pollMs, onListenerError, chainWorkers });
}

const RESYNC_TOPIC = 'store.resync';

/** Every realm's id, a page at a time (a resync is rare; realms are few). */
async function allRealmIds(store: Store): Promise<string[]> {
  const ids: string[] = [];
  for (let after: SortKey | null = null; ; ) {
    const page: Keyed<Realm>[] = await store.read((tx) => tx.realms.page({ after, limit: 500 }));
    ids.push(...page.map((p) => p.record.id));
    if (page.length < 500) return ids;
    after = page.at(-1)!.key;
  }
}
