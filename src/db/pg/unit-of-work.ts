// How a PostgreSQL store runs the domain's units of work: the same generators the SQLite store runs, but
// each repository step yields its query's promise and is resumed with the result (or the error thrown into
// it), inside one transaction on one pooled connection. A serialization failure, a deadlock or a unique
// violation (a read-then-insert that lost its race) re-runs the whole unit from the start, a bounded number of
// times: the work is a function of the Tx, so running it again is safe, and the caller never sees these as
// `internal`.
import type { Step, Work } from '../../domain/store.js';

/** What a unit of work needs of a connection (node-postgres' PoolClient has it). */
export interface Session {
  query(text: string): Promise<unknown>;
}

/**
 * SQLSTATEs that mean "try the transaction again": serialization_failure, deadlock_detected, and
 * unique_violation. The domain's upserts read, then insert when nothing was there (pulse_register,
 * hierarchy_set...): on SQLite the writers are serialised, but at READ COMMITTED two instances can both read
 * nothing and both insert, and the second insert fails on the unique index. Run again, the unit reads the row
 * the other committed and takes its update path (or refuses as the domain says: conflict, not internal).
 */
export const retryableCodes: ReadonlySet<string> = new Set(['40001', '40P01', '23505']);

/**
 * PostgreSQL's SQLSTATE of an error: node-postgres puts it on the error, and drizzle (0.45) wraps that error in
 * a DrizzleQueryError with the original as `cause`.
 */
export const sqlState = (error: unknown): string | undefined => {
  for (let e = error as { code?: unknown; cause?: unknown } | null | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string') return e.code;
  }
  return undefined;
};

export const isRetryable = (error: unknown) => retryableCodes.has(sqlState(error) ?? '');

/** Drives a unit of work to its end: awaits what each step yields and resumes it with the outcome. */
export async function drive<T>(steps: Step<T>): Promise<T> {
  let next = steps.next();
  while (!next.done) {
    let outcome: { value: unknown } | { error: unknown };
    try {
      outcome = { value: await next.value };
    } catch (error) {
      outcome = { error };
    }
    next = 'error' in outcome ? steps.throw(outcome.error) : steps.next(outcome.value);
  }
  return next.value;
}

export interface Attempts {
  /** How many times a unit is run before its serialization failure is given to the caller. */
  max: number;
  /** The longest wait between two runs (a random part of it: runs that collided should not collide again). */
  maxDelayMs: number;
}

export const defaultAttempts: Attempts = { max: 5, maxDelayMs: 50 };

/**
 * Runs `work` in a transaction opened with `begin` (e.g. 'BEGIN' or 'BEGIN ISOLATION LEVEL REPEATABLE READ
 * READ ONLY'), committing when it returns and rolling back when it throws; runs it again on a retryable error,
 * each time on a fresh Tx from `makeTx` (so that what a failed run announced is dropped with it).
 */
export async function inTransaction<T, X>(session: Session, begin: string, makeTx: () => X, work: Work<T> | ((tx: X) => Step<T>), attempts = defaultAttempts): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    await session.query(begin);
    try {
      const value = await drive((work as (tx: X) => Step<T>)(makeTx()));
      await session.query('COMMIT');
      return value;
    } catch (error) {
      await session.query('ROLLBACK').catch(() => {});
      if (!isRetryable(error) || attempt >= attempts.max) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * attempts.maxDelayMs));
    }
  }
}
