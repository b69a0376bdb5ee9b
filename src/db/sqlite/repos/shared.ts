import { and, Column, eq, getTableColumns, getTableName, sql } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { priorities } from '../../../domain/directive/model.js';
import type { Database } from '../driver.js';

export type Db = BetterSQLite3Database;

type Versioned = SQLiteTable & { version: SQLiteColumn };

type PreparedUpdate = { get(values: Record<string, unknown>): unknown };
const updateCache = new WeakMap<Db, Map<string, PreparedUpdate>>();

/**
 * Compare-and-swap: one conditional UPDATE that applies the patch only at the version that was read. The
 * statement is prepared once per (table, key columns, patched columns): drizzle's builder would prepare it
 * again on every call, and this is every write's path.
 */
export function casUpdate<R>(db: Db, table: Versioned, key: Record<string, string>, version: number, patch: Record<string, unknown>): R | undefined {
  const columns = getTableColumns(table) as Record<string, SQLiteColumn>;
  const set = Object.keys(patch).filter((k) => patch[k] !== undefined).sort();
  const where = Object.keys(key).sort();
  const id = `${getTableName(table)}|${where.join(',')}|${set.join(',')}`;
  let cache = updateCache.get(db);
  if (!cache) updateCache.set(db, (cache = new Map()));
  let statement = cache.get(id);
  if (!statement) {
    statement = db
      .update(table)
      // drizzle's set() is typed per table; this helper serves every versioned table.
      .set({ ...Object.fromEntries(set.map((k) => [k, sql.placeholder(`set_${k}`)])), version: sql.placeholder('nextVersion') } as never)
      .where(and(...where.map((k) => eq(columns[k]!, sql.placeholder(`key_${k}`))), eq(table.version, sql.placeholder('version'))))
      .returning()
      .prepare();
    cache.set(id, statement);
  }
  return statement.get({
    ...Object.fromEntries(set.map((k) => [`set_${k}`, patch[k]])),
    ...Object.fromEntries(where.map((k) => [`key_${k}`, key[k]])),
    version,
    nextVersion: version + 1,
  }) as R | undefined;
}

/** Drops the `ord` column that every table has: it orders rows but is not part of any record. */
export const withoutOrd = <T extends { ord: number }>({ ord: _ord, ...rest }: T): Omit<T, 'ord'> => rest;

/** recordsOf's decoder for a `priority` stored as its rank (missions, directives). */
export const priorityFromRank = { priority: (rank: number) => priorities[rank] };

/**
 * Records from the raw rows of a prepared `select().from(table)` (its `.values()`: one array per row, the
 * columns in the table's order): each value decoded as drizzle decodes it (JSON text parsed, booleans from
 * integers, the rest as stored) or by the decoder given for its field, `ord` left out. drizzle's own mapping
 * checks every value's column type on every row, which was a fifth of a 50-row mission_list's CPU; this
 * decides once per table.
 */
export function recordsOf<R>(table: SQLiteTable, decoders: Record<string, (value: never) => unknown> = {}): (row: unknown[]) => R {
  const identity = Column.prototype.mapFromDriverValue;
  const fields = Object.entries(getTableColumns(table) as Record<string, SQLiteColumn>)
    .map(([field, column], at) => ({
      field,
      at,
      decode: (decoders[field] as ((value: unknown) => unknown) | undefined) ?? (column.mapFromDriverValue === identity ? null : (value: unknown) => column.mapFromDriverValue(value)),
    }))
    .filter(({ field }) => field !== 'ord');
  return (row) => {
    const record: Record<string, unknown> = {};
    for (const { field, at, decode } of fields) {
      const value = row[at];
      record[field] = value === null || decode === null ? value : decode(value);
    }
    return record as R;
  };
}

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

/**
 * The driver under drizzle, for the statements its builder cannot express (recursive CTEs) and for hot reads
 * that want plain prepared statements. The SQL stays portable (WITH RECURSIVE, named parameters).
 */
export const client = (db: Db): Database => (db as Db & { $client: Database }).$client;

/** Every column of `table` as `alias`.column, in the table's order (ord first): the raw rows recordsOf decodes. */
export function rawColumns(table: SQLiteTable, alias: string): string {
  return Object.values(getTableColumns(table) as Record<string, SQLiteColumn>)
    .map((column) => `${alias}.${column.name}`)
    .join(', ');
}

/**
 * One record by key (the `key` fields, in that order, are the arguments), read through the driver's own
 * prepared statement and decoded by recordsOf. drizzle's prepared select fills its placeholders again on every
 * call, which the hottest reads (a node at each level of a chain, the realm of every call naming one, a
 * mission on checkout) paid for nothing.
 */
export function recordByKey<R>(db: Db, table: SQLiteTable, key: string[], decoders: Record<string, (value: never) => unknown> = {}): (...values: unknown[]) => R | null {
  const columns = getTableColumns(table) as Record<string, SQLiteColumn>;
  const where = key.map((field) => `t.${columns[field]!.name} = ?`).join(' AND ');
  const statement = client(db).prepare(`SELECT ${rawColumns(table, 't')} FROM ${getTableName(table)} t WHERE ${where}`).raw();
  const decode = recordsOf<R>(table, decoders);
  return (...values) => {
    const row = statement.get(...values) as unknown[] | undefined;
    return row ? decode(row) : null;
  };
}
