import { TurnGate } from '../../event-loop-turn.js';
import type { Database } from './driver.js';

/** One caller's part of a shared transaction: its body runs inside a savepoint, its answer waits for COMMIT. */
interface Entry {
  body: () => unknown;
  settle: (outcome: Outcome) => void;
  /** Set once settle has run: a failure after some entries were answered answers only the rest. */
  settled?: boolean;
  /** When the entry first tried to take the write lock: the busy bound counts from here. */
  queuedAt: number;
}

export type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export interface GroupCommitStats {
  /** Shared transactions committed. */
  commits: number;
  /** Calls that ran in them (successful or rolled back to their savepoint). */
  writes: number;
  /** Attempts to take the write lock that found another process holding it. */
  busyRetries: number;
}

const isBusy = (error: unknown) => (error as { code?: string } | null)?.code?.startsWith('SQLITE_BUSY') ?? false;

/**
 * Group commit for one better-sqlite3 connection. Writes submitted while the event loop is busy with other
 * work (typically the rest of a chunk of pipelined requests) run in one IMMEDIATE transaction, each in its own
 * savepoint, so a failing call rolls back only its own statements; every caller is settled after the shared
 * COMMIT, so no answer reports a write that could still be lost. BEGIN, the bodies and COMMIT run in one
 * synchronous stretch: no read of this connection ever sees another call's uncommitted work.
 *
 * A lone write (nothing queued) runs at once, so sequential latency is one transaction as before. When another
 * process holds the write lock, BEGIN fails fast (busy_timeout 0 for that statement) and is retried from the
 * event loop instead of sleeping inside SQLite's busy handler, whose back-off (up to 100 ms a sleep) blocked
 * the whole process and, with several processes on one file, left the lock idle between sleepers. Waiting
 * writes keep joining the queue meanwhile, so contention makes transactions bigger, not more numerous.
 */
export class GroupCommit {
  readonly stats: GroupCommitStats = { commits: 0, writes: 0, busyRetries: 0 };
  private queue: Entry[] = [];
  private scheduled = false;
  /** Once a transaction ran in this turn of the event loop, later writes of the turn wait to share the next. */
  private readonly turn = new TurnGate();
  private flushing = false;
  private retryDelayMs = 0;
  private readonly begin;
  private readonly commit;
  private readonly rollback;
  private readonly failFast;
  private readonly waitAgain;
  private readonly savepoint;
  private readonly release;
  private readonly rollbackTo;

  constructor(
    private readonly db: Database,
    /** How long a write may wait for another process's lock before it fails (by default the connection's busy_timeout). */
    private readonly busyTimeoutMs = Number(db.pragma('busy_timeout', { simple: true })) || 5000,
  ) {
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commit = db.prepare('COMMIT');
    this.rollback = db.prepare('ROLLBACK');
    // A prepared PRAGMA statement keeps the value it was compiled with (re-running it changes nothing, measured):
    // these go through db.pragma each time, about 5 µs each.
    this.failFast = () => db.pragma('busy_timeout = 0');
    this.waitAgain = () => db.pragma(`busy_timeout = ${Math.floor(busyTimeoutMs)}`);
    this.savepoint = db.prepare('SAVEPOINT call');
    this.release = db.prepare('RELEASE call');
    this.rollbackTo = db.prepare('ROLLBACK TO call');
  }

  /** Runs `body` in the next shared transaction; resolves with its value once that transaction has committed. */
  submit<T>(body: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Entry = {
        body,
        settle: (o) => {
          entry.settled = true;
          if (o.ok) resolve(o.value as T);
          else reject(o.error);
        },
        queuedAt: Date.now(),
      };
      this.queue.push(entry);
      // The first write of a turn runs now (no added latency when calls come one at a time); the ones that follow
      // in the same turn (the rest of a chunk of pipelined requests) share the transaction run at its end.
      // A write submitted from inside a body (or a flush) waits for the next transaction.
      if (this.queue.length === 1 && !this.scheduled && !this.flushing && this.turn.first()) this.flush();
      else this.schedule();
    });
  }

  /** Runs whatever is queued now, waiting on another process's lock synchronously (for shutdown). */
  drain() {
    while (this.queue.length) this.flush(true);
  }

  private schedule(delayMs = 0) {
    if (this.scheduled) return;
    this.scheduled = true;
    const run = () => {
      this.scheduled = false;
      if (!this.queue.length) return;
      if (this.db.open) this.flush();
      // Closed under it (close drains what was queued, so this is a write submitted after close): say so.
      else this.failAll(this.queue.splice(0), new Error('the database is closed'));
    };
    if (delayMs > 0) setTimeout(run, delayMs);
    else setImmediate(run);
  }

  /**
   * Never throws: whatever fails, every entry of the batch is settled (or queued again) and no transaction is
   * left open. A flush runs from submit, from a timer, and from close.
   */
  private flush(blocking = false) {
    const batch = this.queue;
    this.queue = [];
    // Never ours: a transaction a failed statement could not end (SQLite refuses while a statement is still
    // iterating). Ending it here lets the store recover once that statement is done.
    if (this.db.inTransaction) this.tryRollback();
    if (!this.takeLock(batch, blocking)) return;
    this.flushing = true;
    try {
      this.runBatch(batch);
    } catch (error) {
      // One of our own statements failed (SAVEPOINT, ROLLBACK TO, COMMIT...): nothing of the batch holds.
      if (this.db.inTransaction) this.tryRollback();
      this.failAll(batch.filter((e) => !e.settled), error);
    } finally {
      this.flushing = false;
    }
    if (this.queue.length) this.schedule();
  }

  private runBatch(batch: Entry[]) {
    if (batch.length === 1) return this.runAlone(batch[0]!);
    const outcomes: Outcome[] = [];
    let lost: unknown = null;
    for (const entry of batch) {
      this.savepoint.run();
      try {
        const value = entry.body();
        // A body can swallow an error after which SQLite abandoned the whole transaction.
        if (!this.db.inTransaction) throw new Error('SQLite rolled back the shared transaction during this call');
        this.release.run();
        outcomes.push({ ok: true, value });
      } catch (error) {
        outcomes.push({ ok: false, error });
        // Some errors (disk full, I/O) make SQLite roll back the whole transaction: the earlier calls' work is gone.
        if (!this.db.inTransaction) {
          lost = error;
          break;
        }
        this.rollbackTo.run();
        this.release.run();
      }
    }
    if (lost) {
      const ran = batch.slice(0, outcomes.length);
      const lostWork = new Error('SQLite rolled back the shared transaction during another call; nothing of this call was written', { cause: lost });
      ran.forEach((entry, i) => entry.settle(outcomes[i]!.ok ? { ok: false, error: lostWork } : outcomes[i]!));
      this.queue.unshift(...batch.slice(outcomes.length));
      return;
    }
    this.commit.run();
    this.stats.commits++;
    this.stats.writes += batch.length;
    batch.forEach((entry, i) => entry.settle(outcomes[i]!));
  }

  /**
   * A write with the transaction to itself (every write that comes one at a time) needs no savepoint: if it
   * fails, the whole transaction is rolled back. Two statements fewer, and no statement journal of the pages
   * it changes (past 64 KiB SQLite would spill that journal to a temporary file).
   */
  private runAlone(entry: Entry) {
    let value: unknown;
    try {
      value = entry.body();
      if (!this.db.inTransaction) throw new Error('SQLite rolled back the transaction during this call');
    } catch (error) {
      if (this.db.inTransaction) this.tryRollback();
      entry.settle({ ok: false, error });
      return;
    }
    this.commit.run();
    this.stats.commits++;
    this.stats.writes++;
    entry.settle({ ok: true, value });
  }

  private tryRollback() {
    try {
      this.rollback.run();
    } catch {
      // Already ended by SQLite.
    }
  }

  /** BEGIN IMMEDIATE without sleeping in SQLite; on a busy lock the batch goes back to the queue for a retry. */
  private takeLock(batch: Entry[], blocking: boolean): boolean {
    if (blocking) {
      try {
        this.begin.run();
        return true;
      } catch (error) {
        this.failAll(batch, error);
        return false;
      }
    }
    try {
      this.failFast();
      try {
        this.begin.run();
      } finally {
        this.waitAgain();
      }
      this.retryDelayMs = 0;
      return true;
    } catch (error) {
      if (this.db.inTransaction) this.tryRollback();
      if (!isBusy(error)) {
        this.failAll(batch, error);
        return false;
      }
      this.stats.busyRetries++;
      const now = Date.now();
      const expired = batch.filter((e) => now - e.queuedAt >= this.busyTimeoutMs);
      if (expired.length) this.failAll(expired, error);
      this.queue.unshift(...batch.filter((e) => now - e.queuedAt < this.busyTimeoutMs));
      // Try again soon, a little later each time (to 4 ms) and with jitter, so waiting processes do not collide.
      this.retryDelayMs = Math.min(4, this.retryDelayMs + 1);
      if (this.queue.length) this.schedule(Math.random() < 0.5 ? this.retryDelayMs : 0);
      return false;
    }
  }

  private failAll(entries: Entry[], error: unknown) {
    for (const entry of entries) entry.settle({ ok: false, error });
  }
}
