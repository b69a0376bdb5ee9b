import type { Database } from './driver.js';
import { lt, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import type { Announcement, Step, Store, Tx, Work } from '../../domain/store.js';
import { migrationState } from '../connection.js';
import { changes } from '../schema.js';
import { chainWorkers, type ChainWorkerOptions } from './chain-workers.js';
import { GroupCommit } from './group-commit.js';
import { auditRepo } from './repos/audit.js';
import { commentRepo } from './repos/comments.js';
import { directiveRepo } from './repos/directives.js';
import { idempotencyRepo } from './repos/idempotency.js';
import { ledgerRepo } from './repos/ledger.js';
import { proposalRepo } from './repos/proposals.js';
import { runRepo, runtimeRepo, sessionRepo } from './repos/bridge.js';
import { processRepo, pulseRepo } from './repos/pulses.js';
import { missionBlockerRepo } from './repos/mission-blockers.js';
import { missionRepo } from './repos/missions.js';
import { nodeRepo } from './repos/nodes.js';
import { realmDataRepo } from './repos/realm-data.js';
import { realmRepo } from './repos/realms.js';
import { tokenRepo } from './repos/tokens.js';
import { lazily } from './lazy-repos.js';

/** Runs a unit of work whose steps never yield: SQLite statements are synchronous. */
function runToEnd<T>(steps: Step<T>): T {
  const next = steps.next();
  if (!next.done) throw new Error('a SQLite unit of work yielded: its steps must be synchronous');
  return next.value;
}

/**
 * The SQLite store: one better-sqlite3 connection. Writes go through group commit (one IMMEDIATE transaction
 * shared by the writes that arrive together, a savepoint each: see group-commit.ts), and each write's change
 * feed rows are written in its own savepoint.
 */
export class SqliteStore implements Store {
  private readonly tx: Tx;
  private pending: Announcement[] | null = null;
  private readonly listeners = new Set<(announcements: Announcement[]) => void>();
  private readonly writeChange;

  private readonly orm;
  private readonly commits: GroupCommit;
  private readonly beginRead;
  private readonly commitRead;
  private readonly rollbackRead;
  private readonly chainCheck;

  constructor(
    readonly db: Database,
    private readonly options: {
      /** This process's id, written on its change rows so that it can skip them when reading the feed. */
      origin?: string;
      onListenerError?: (error: unknown) => void;
      /** How often to look for other processes' commits, and how long change rows are kept. */
      pollMs?: number;
      keepChangesMs?: number;
      /** How long a write waits for another process's write lock before failing. */
      busyTimeoutMs?: number;
      /** How verify checks long ranges of a chain in worker threads (a file database only). */
      chainWorkers?: ChainWorkerOptions;
    } = {},
  ) {
    const orm = (this.orm = drizzle(db));
    this.commits = new GroupCommit(db, options.busyTimeoutMs);
    this.beginRead = db.prepare('BEGIN DEFERRED');
    this.commitRead = db.prepare('COMMIT');
    this.rollbackRead = db.prepare('ROLLBACK');
    this.chainCheck = db.memory ? null : chainWorkers(db.name, options.chainWorkers);
    this.writeChange = orm
      .insert(changes)
      .values({ realmId: sql.placeholder('realmId'), origin: sql.placeholder('origin'), topic: sql.placeholder('topic'), payload: sql.placeholder('payload') })
      .prepare();
    // Each repository prepares its statements when first used, not here: building and preparing all of them
    // was ~10% of start-up, and a session that only lists tools or reads realms needs few of them.
    this.tx = lazily(
      {
        announce: (a: Announcement) => {
          if (!this.pending) throw new Error('announce() outside a write');
          this.pending.push(a);
        },
      },
      {
        realms: () => realmRepo(orm),
        nodes: () => nodeRepo(orm),
        directives: () => directiveRepo(orm),
        missions: () => missionRepo(orm),
        missionBlockers: () => missionBlockerRepo(orm),
        comments: () => commentRepo(orm),
        audit: () => auditRepo(orm),
        ledger: () => ledgerRepo(orm),
        proposals: () => proposalRepo(orm),
        runtimes: () => runtimeRepo(orm),
        runs: () => runRepo(orm),
        sessions: () => sessionRepo(orm),
        pulses: () => pulseRepo(orm),
        processes: () => processRepo(orm),
        realmData: () => realmDataRepo(orm),
        tokens: () => tokenRepo(orm),
        idempotency: () => idempotencyRepo(orm),
      },
    );
  }

  write<T>(work: Work<T>): Promise<T> {
    const announced: Announcement[] = [];
    return this.commits
      .submit(() => {
        this.pending = announced;
        try {
          const result = runToEnd(work(this.tx));
          for (const a of announced) {
            this.writeChange.run({ realmId: a.realmId, origin: this.options.origin ?? '', topic: a.topic, payload: JSON.stringify(a.payload) });
          }
          return result;
        } finally {
          this.pending = null;
        }
      })
      .then((value) => {
        // The write has committed: a failing listener must not turn it into an error for the caller.
        if (announced.length) {
          for (const listener of this.listeners) {
            try {
              listener(announced);
            } catch (error) {
              this.options.onListenerError?.(error);
            }
          }
        }
        return value;
      });
  }

  /** Shared transactions and the calls that ran in them (for metrics and tests). */
  get commitStats() {
    return this.commits.stats;
  }

  read<T>(work: Work<T>): Promise<T> {
    // A deferred transaction: every statement of the unit of work sees the same snapshot. Prepared BEGIN,
    // COMMIT and ROLLBACK rather than db.transaction(), which builds its wrapper functions on every call.
    const own = !this.db.inTransaction;
    try {
      if (own) this.beginRead.run();
      const value = runToEnd(work(this.tx));
      if (own) this.commitRead.run();
      return Promise.resolve(value);
    } catch (error) {
      return Promise.reject(error);
    } finally {
      // A unit of work that failed (or a COMMIT that did) leaves nothing behind, written or open.
      if (own && this.db.open && this.db.inTransaction) {
        try {
          this.rollbackRead.run();
        } catch {
          // Already ended by SQLite.
        }
      }
    }
  }

  onCommit(listener: (announcements: Announcement[]) => void) {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /**
   * data_version changes only when another connection commits, so one cheap PRAGMA per tick tells whether to
   * read the changes table. Rows this process wrote are skipped (they were announced locally at commit).
   */
  watchOtherProcesses(listener: (announcements: Announcement[]) => void) {
    const origin = this.options.origin ?? '';
    const lastOrd = this.db.prepare('SELECT coalesce(max(ord), 0) FROM changes').pluck();
    // Only the other processes' rows are read and decoded: with P processes writing, each reads P-1 shares
    // of every change, so the per-row cost is paid (P-1) times over.
    const theirRows = this.db.prepare('SELECT topic, realm_id, payload, created_at FROM changes WHERE ord > ? AND ord <= ? AND origin <> ? ORDER BY ord').raw();
    // data_version first: a row committed between the two reads is then past `seen` and announced at the
    // next tick, instead of waiting for some later commit to move data_version again.
    let version = this.db.pragma('data_version', { simple: true });
    let seen = lastOrd.get() as number;
    let lastPrune = Date.now();
    const keepMs = this.options.keepChangesMs ?? 10 * 60_000;
    const poll = () => {
      if (!this.db.open) return;
      try {
        const now = this.db.pragma('data_version', { simple: true });
        if (now !== version) {
          version = now;
          // Up to the last row now (ours included), so that `seen` moves exactly to what was read.
          const upTo = lastOrd.get() as number;
          const theirs = theirRows.all(seen, upTo, origin) as [string, string | null, string, string][];
          seen = upTo;
          if (theirs.length) listener(theirs.map(([topic, realmId, payload, committedAt]) => ({ topic, realmId, payload: JSON.parse(payload) as Record<string, unknown>, committedAt })));
        }
        if (!this.db.readonly && Date.now() - lastPrune > keepMs / 10) {
          lastPrune = Date.now();
          const cutoff = new Date(Date.now() - keepMs).toISOString();
          // Through group commit: waiting for another process's lock must not block this one.
          this.commits.submit(() => this.orm.delete(changes).where(lt(changes.createdAt, cutoff)).run()).catch((error: unknown) => this.options.onListenerError?.(error));
        }
      } catch (error) {
        this.options.onListenerError?.(error);
      }
    };
    const timer = setInterval(poll, this.options.pollMs ?? 200);
    // The feed must not keep a finished process alive.
    timer.unref();
    return () => clearInterval(timer);
  }

  async checkChain(realmId: string, fromSeq: number, toSeq: number) {
    return this.chainCheck ? this.chainCheck(realmId, fromSeq, toSeq) : null;
  }

  health() {
    try {
      this.db.prepare('SELECT 1').get();
      return Promise.resolve({ migrations: migrationState(this.db) });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  close() {
    if (!this.db.open) return;
    // Writes submitted in the last turn of the event loop still commit.
    this.commits.drain();
    this.db.close();
  }
}
