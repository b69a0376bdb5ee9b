import { and, eq, type SQL } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';

export type Db = BetterSQLite3Database;

type Versioned = SQLiteTable & { version: SQLiteColumn };

/** Compare-and-swap: one conditional UPDATE that applies the patch only at the version that was read. */
export function casUpdate<R>(db: Db, table: Versioned, key: SQL, version: number, patch: Record<string, unknown>): R | undefined {
  // drizzle's set() is typed per table; this helper serves every versioned table.
  return db
    .update(table)
    .set({ ...patch, version: version + 1 } as never)
    .where(and(key, eq(table.version, version)))
    .returning()
    .get() as R | undefined;
}

/** Drops the `ord` column that every table has: it orders rows but is not part of any record. */
export const withoutOrd = <T extends { ord: number }>({ ord: _ord, ...rest }: T): Omit<T, 'ord'> => rest;
