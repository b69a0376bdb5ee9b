// The PostgreSQL store: any number of instances on one database. A unit of work runs in one transaction on
// one pooled connection (src/db/pg/unit-of-work.ts drives its steps); writes at READ COMMITTED, with the hard
// parts made safe by the repositories' own statements (conditional UPDATEs, row locks, ON CONFLICT); reads on
// one REPEATABLE READ snapshot. What a write announced reaches this instance's onCommit listeners after its
// COMMIT, and the other instances through NOTIFY, sent in the same transaction with its COMMIT (change-feed.ts).
import { randomUUID } from 'node:crypto';
import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import { DomainError } from '../../domain/errors.js';
import type { Announcement, Step, Store, Tx, Work } from '../../domain/store.js';
import { ChangeFeed, commitWith, feedDefaults, noticesFor, type FeedOptions } from './change-feed.js';
import { committedPgMigrations } from './migrate.js';
import { lostARace, type PgDb } from './repos/shared.js';
import { defaultAttempts, inTransaction, type Attempts } from './unit-of-work.js';

/** The repository factories a Tx is built from, one per repository of the port: `(db) => repo`. */
/** Each repository's factory, given the unit's connection and whether the unit writes (a read may not lock rows). */
export type RepoFactories = { [K in Exclude<keyof Tx, 'announce'>]: (db: PgDb, mode: 'read' | 'write') => Tx[K] };

export interface PgStoreOptions {
  /** This instance's id, carried by its notifications so that its own feed skips them. Default: a new one. */
  origin?: string;
  /** Told of a failing onCommit or feed listener, and of the feed's connection errors (it reconnects). */
  onListenerError?: (error: unknown) => void;
  /** How many times a unit is run on serialization failures and deadlocks. */
  attempts?: Attempts;
  feed?: Partial<FeedOptions>;
  /**
   * Where the LISTEN connection goes, when not where the pool's go: LISTEN needs a session of its own, so
   * behind a transaction-mode pooler (PgBouncer pool_mode=transaction) it must reach PostgreSQL directly.
   */
  listenConnectionString?: string;
}

/** Writes: READ COMMITTED (PostgreSQL's default) suits single-statement compare-and-swap and row locks. */
export const WRITE_BEGIN = 'BEGIN';
/** Reads: every statement of the unit sees one snapshot, and nothing can be written by mistake. */
export const READ_BEGIN = 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY';

/**
 * A unit of work that threw after one of its compare-and-swaps matched nothing (another instance changed the
 * row after the unit read it). Its SQLSTATE is serialization_failure's, so the unit runs again from the start
 * and reads the row as it is now: what SQLite's serialised writers give. A checkout that lost then answers who
 * holds the mission, an upsert takes the new version, as on SQLite; a real version mismatch (expectedVersion)
 * is still refused, by the domain's own check on the re-read row.
 */
class LostRace extends Error {
  readonly code = '40001';
  constructor(readonly thrown: unknown) {
    super('a compare-and-swap lost its race: run the unit of work again', { cause: thrown });
  }
}

/** One run of a unit of work: a fresh Tx, so that what a failed run announced is dropped with it. */
interface Attempt {
  db: PgDb;
  tx: Tx;
  announced: Announcement[];
  /** What to NOTIFY at COMMIT (set by the unit's last step). */
  notices: string[];
}

export class PgStore implements Store {
  readonly origin: string;
  private readonly listeners = new Set<(announcements: Announcement[]) => void>();
  private readonly watchers = new Set<(announcements: Announcement[]) => void>();
  private feed: ChangeFeed | null = null;
  private expected: number | null = null;
  private closing: Promise<void> | null = null;

  constructor(
    readonly pool: pg.Pool,
    private readonly repos: RepoFactories,
    private readonly options: PgStoreOptions = {},
  ) {
    this.origin = options.origin ?? `inst-${randomUUID()}`;
  }

  async write<T>(work: Work<T>): Promise<T> {
    const { value, announced } = await this.run(WRITE_BEGIN, work, true);
    // The write has committed: a failing listener must not turn it into an error for the caller.
    if (announced.length) this.tell(this.listeners, announced);
    return value;
  }

  async read<T>(work: Work<T>): Promise<T> {
    return (await this.run(READ_BEGIN, work, false)).value;
  }

  private async run<T>(begin: string, work: Work<T>, writes: boolean): Promise<{ value: T; announced: Announcement[] }> {
    const client = await this.pool.connect();
    // A connection whose ROLLBACK failed may still be inside a transaction (or dead): it is destroyed, not
    // given back to the pool for the next unit of work to inherit.
    let unusable: Error | undefined;
    // pg-pool drops its own 'error' listener while a connection is checked out, and node-postgres emits 'error'
    // when the server ends the connection (restart, failover, pg_terminate_backend), even mid-query: with no
    // listener that would crash the process. The query in flight fails as well, so the unit's caller hears of it.
    const onError = (error: Error) => void (unusable = error);
    client.on('error', onError);
    let last: Attempt | null = null;
    const session = {
      query: (text: string) =>
        client.query(text === 'COMMIT' && last ? commitWith(last.notices, (n) => client.escapeLiteral(n)) : text).catch((error: Error) => {
          if (text === 'ROLLBACK') unusable = error;
          throw error;
        }),
    };
    const origin = this.origin;
    try {
      const value = await inTransaction(
        session,
        begin,
        () => (last = this.attempt(client, writes)),
        function* (attempt: Attempt): Step<T> {
          let value: T;
          try {
            value = yield* work(attempt.tx);
          } catch (error) {
            // Only the domain's answer to a swap it lost (a conflict) is worth a re-run; a database error (a
            // statement or lock timeout) is not made to wait five times over.
            throw lostARace(attempt.db) && error instanceof DomainError ? new LostRace(error) : error;
          }
          attempt.notices = yield* noticesFor(attempt.db, origin, attempt.announced);
          return value;
        },
        this.options.attempts ?? defaultAttempts,
      );
      return { value, announced: (last as Attempt | null)?.announced ?? [] };
    } catch (error) {
      // Out of attempts: the caller gets what the unit threw (a conflict), not the retry's wrapper.
      throw error instanceof LostRace ? error.thrown : error;
    } finally {
      client.off('error', onError);
      client.release(unusable);
    }
  }

  private attempt(client: pg.PoolClient, writes: boolean): Attempt {
    const db = drizzle(client) as PgDb;
    const announced: Announcement[] = [];
    const repos = Object.fromEntries(Object.entries(this.repos).map(([name, make]) => [name, (make as (db: PgDb, mode: 'read' | 'write') => unknown)(db, writes ? 'write' : 'read')]));
    const tx = {
      ...repos,
      announce: (a: Announcement) => {
        if (!writes) throw new Error('announce() outside a write');
        announced.push(a);
      },
    } as Tx;
    return { db, tx, announced, notices: [] };
  }

  onCommit(listener: (announcements: Announcement[]) => void) {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /**
   * Other instances' announcements, through LISTEN on one connection of this instance's own (opened by the
   * first watcher, closed with the last). Differs from the SQLite change feed: notifications sent while the
   * connection was down are not replayed; the watcher gets a `store.resync` announcement instead.
   */
  watchOtherProcesses(listener: (announcements: Announcement[]) => void) {
    this.watchers.add(listener);
    if (!this.feed && !this.closing) {
      const { max: _max, ...connection } = this.pool.options;
      this.feed = new ChangeFeed(
        {
          ...connection,
          ...(this.options.listenConnectionString ? { connectionString: this.options.listenConnectionString } : {}),
          // PostgreSQL cuts application_name to 63 bytes: the suffix must survive a long name (an instance id).
          application_name: `${(connection.application_name ?? 'control-plane-mcp').slice(0, 56)} listen`,
          keepAlive: true,
          // An unreachable server must not hold an attempt (and close()) forever: node-postgres waits without limit.
          connectionTimeoutMillis: connection.connectionTimeoutMillis || 10_000,
        },
        this.pool,
        this.origin,
        (announced) => this.tell(this.watchers, announced),
        (error) => this.options.onListenerError?.(error),
        { ...feedDefaults, ...this.options.feed },
      );
    }
    return () => {
      this.watchers.delete(listener);
      if (this.watchers.size === 0 && this.feed) {
        void this.feed.stop();
        this.feed = null;
      }
    };
  }

  /** Resolves once the change feed LISTENs (at once when nothing watches): for start-up and tests. */
  listening(): Promise<void> {
    return this.feed?.listening() ?? Promise.resolve();
  }

  /** The change feed's LISTEN connection's backend pid (null when not connected). */
  get feedBackendPid(): number | null {
    return this.feed?.backendPid ?? null;
  }

  private tell(listeners: Set<(announcements: Announcement[]) => void>, announced: Announcement[]) {
    for (const listener of listeners) {
      try {
        listener(announced);
      } catch (error) {
        this.options.onListenerError?.(error);
      }
    }
  }

  async health() {
    let applied = 0;
    try {
      const { rows } = await this.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations');
      applied = rows[0]!.n;
    } catch (error) {
      // No migrations table (undefined_table, or the schema is missing): a new, empty database.
      if (!['42P01', '3F000'].includes((error as { code?: string }).code ?? '')) throw error;
    }
    return { migrations: { applied, expected: (this.expected ??= committedPgMigrations()) } };
  }

  /** Stops the change feed and ends the pool (units of work in flight finish first). */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      const feed = this.feed;
      this.feed = null;
      await feed?.stop();
      if (!this.pool.ending) await this.pool.end();
    })());
  }
}

/** The store on a pool (src/db/pg/pool.ts) with the given repositories (src/db/pg/repos/*.ts). */
export const createPgStore = (pool: pg.Pool, repos: RepoFactories, options: PgStoreOptions = {}) => new PgStore(pool, repos, options);
