import { and, eq, getTableColumns, sql, type SQL } from 'drizzle-orm';
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

/**
 * An INSERT of every column but `ord`, prepared once. drizzle's builder prepares its SQL again on every call,
 * which costs more than the insert itself on hot paths.
 */
export function preparedInsert<T extends SQLiteTable>(db: Db, table: T): (row: T['$inferInsert']) => void {
  const columns = Object.keys(getTableColumns(table)).filter((k) => k !== 'ord');
  const statement = db
    .insert(table)
    .values(Object.fromEntries(columns.map((k) => [k, sql.placeholder(k)])) as never)
    .prepare();
  return (row) => void statement.run(row as Record<string, unknown>);
}
