// What every PostgreSQL repository uses. A repository method is a generator, as the port says: each query is
// a step that yields its promise (drizzle's query builders are thenables) and is resumed with the rows by the
// store's driver (src/db/pg/unit-of-work.ts), inside the unit of work's transaction on one pooled connection.
import { and, eq, getTableColumns } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Step } from '../../../domain/store.js';

/** A drizzle database bound to the transaction's connection. */
export type PgDb = NodePgDatabase;

/** Runs a query as a step of the unit of work: `const rows = yield* q(db.select()...)`. */
export function* q<T>(query: PromiseLike<T>): Step<T> {
  return (yield Promise.resolve(query)) as T;
}

/** Drops the `ord` column that every table has: it orders rows but is not part of any record. */
export const withoutOrd = <T extends { ord: number }>({ ord: _ord, ...rest }: T): Omit<T, 'ord'> => rest;

type Versioned = PgTable & { version: PgColumn };

/** The units of work (by their transaction's db) whose compare-and-swap matched nothing. */
const lostRaces = new WeakSet<PgDb>();

/**
 * Whether a compare-and-swap of this unit of work matched nothing. The domain swaps at the version it read in
 * the same unit, so a miss means another instance committed in between (READ COMMITTED lets it; SQLite's
 * serialised writers never do): the store then runs the unit again, as for a serialization failure.
 */
export const lostARace = (db: PgDb) => lostRaces.has(db);

/**
 * Compare-and-swap, as the SQLite store's: one conditional UPDATE that applies the patch only at the version
 * that was read, returning the row (undefined when another writer got there first).
 */
export function* casUpdate<R>(db: PgDb, table: Versioned, key: Record<string, string>, version: number, patch: Record<string, unknown>): Step<R | undefined> {
  const columns = getTableColumns(table) as Record<string, PgColumn>;
  const set = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
  const rows = yield* q(
    db
      .update(table)
      .set({ ...set, version: version + 1 } as never)
      .where(and(...Object.entries(key).map(([k, v]) => eq(columns[k]!, v)), eq(table.version, version)))
      .returning(),
  );
  const row = (rows as R[])[0];
  if (row === undefined) lostRaces.add(db);
  return row;
}
