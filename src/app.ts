import type { Logger } from 'pino';
import { randomUUID } from 'node:crypto';
import { migrateDatabase, openDatabase, requireMigrated } from './db/connection.js';
import { SqliteStore } from './db/sqlite/store.js';
import { systemClock, type Clock } from './domain/clock.js';
import type { Store } from './domain/store.js';
import { BridgeExecutor } from './bridge/executor.js';
import { loadPrices } from './bridge/prices.js';
import { startLiveness } from './bridge/recovery.js';
import { EventBus } from './events/bus.js';
import { PulseScheduler } from './scheduler/scheduler.js';
import { subscribeCommands } from './events/inbound.js';
import { createLogger } from './logger.js';
import { catalogue } from './tools/catalogue.js';
import { toolName, type Area } from './tools/declaration.js';
import { holds } from './tools/permissions.js';
import type { CallObserver } from './tools/dispatch.js';
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
  /** A JSON price table for tokens that come without a cost (--prices, CONTROL_PLANE_PRICES), and which of the two named it. */
  pricesFile?: string;
  pricesSource?: string;
  /** Heartbeat and staleness of server processes (ms); runs of a stale owner are marked process_lost. */
  heartbeatMs?: number;
  staleMs?: number;
  /** Between SIGTERM and SIGKILL when a run is stopped (ms). */
  graceMs?: number;
  /** How a spawned agent starts this server on the same database. */
  controlPlane?: { command: string; args: string[] } | null;
  /** Compete for the scheduler lease and run pulses (default: unless read-only). */
  scheduler?: boolean;
  /** Scheduler lease expiry and renewal, retry polling and the first retry delay (ms). */
  leaseMs?: number;
  renewMs?: number;
  retryPollMs?: number;
  retryBaseMs?: number;
  /** Test-only: serve the fixtures the MCP conformance suite calls by name (src/conformance/fixtures.ts). */
  conformanceFixtures?: boolean;
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
  /** Runs agents (absent in a read-only process). */
  runner: BridgeExecutor | null;
  /** Runs pulse schedules while this process holds the lease (absent in a read-only process). */
  scheduler: PulseScheduler | null;
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

export function createApp(options: AppOptions): App {
  const logger = options.logger ?? createLogger();
  // Everything that can be refused is checked before the database is touched.
  const prices = loadPrices(options.pricesFile, options.pricesSource);
  const { db, snapshot } = openDatabase(options.db, { readOnly: options.readOnly });
  // A private in-memory database starts empty, read-only or not.
  if (options.readOnly && options.db !== ':memory:') requireMigrated(db);
  else migrateDatabase(db);
  if (snapshot) logger.warn({ db: options.db }, 'the database directory is not writable: serving a snapshot read into memory; later writes by other processes are not seen');
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
  const stopAnchors = logAnchors(bus, logger);
  const registry = new Registry(catalogue, { toolsets: options.toolsets, readOnly: options.readOnly });
  // A read-only process neither runs agents nor recovers others' runs.
  const runner = options.readOnly
    ? null
    : new BridgeExecutor({
        store, clock, bus, logger, instanceId,
        prices,
        // A spawned agent's CLI may use exactly the tools its agent session is served.
        controlPlane: options.controlPlane
          ? { ...options.controlPlane, agentTools: catalogue.filter((d) => holds('agent', d.permission)).map((d) => toolName(d.id)) }
          : null,
        graceMs: options.graceMs,
      });
  const liveness = options.readOnly ? null : startLiveness({ store, clock, logger, instanceId, heartbeatMs: options.heartbeatMs, staleMs: options.staleMs });
  const scheduler =
    runner && (options.scheduler ?? true)
      ? new PulseScheduler({
          store, clock, bus, logger, instanceId, runner,
          leaseMs: options.leaseMs, renewMs: options.renewMs, retryPollMs: options.retryPollMs, retryBaseMs: options.retryBaseMs,
        })
      : null;
  void scheduler?.start();
  let closed: Promise<void> | null = null;
  return {
    instanceId,
    store,
    clock,
    logger,
    bus,
    registry,
    runner,
    scheduler,
    conformanceFixtures: options.conformanceFixtures ?? false,
    close: (closeOptions = {}) =>
      (closed ??= (async () => {
        await scheduler?.close();
        await runner?.close(closeOptions);
        await liveness?.stop();
        stopCommands();
        stopAnchors();
        stopRemote();
        stopLocal();
        store.close();
      })()),
  };
}
