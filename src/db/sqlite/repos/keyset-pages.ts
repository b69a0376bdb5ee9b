import { and, asc, desc, eq, getTableColumns, sql } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { SortKey } from '../../../domain/store.js';
import { after, requireKeyFits, type SortColumn } from '../../keyset.js';
import { type Db, recordsOf } from './shared.js';

export interface KeysetPages {
  /** The fields a call may filter on by equality (those given, not null, are applied). */
  filters: readonly string[];
  /** The page's order; its last column is unique, and a row's key is its values of these columns. */
  order: SortColumn[];
  /** Decoders for fields stored otherwise than the record holds them (see recordsOf). */
  decoders?: Parameters<typeof recordsOf>[1];
}

export type Page<R> = { record: R; key: SortKey }[];

/**
 * Prepared statements for a query whose WHERE depends on which filters were given: one statement per shape
 * (the filters present), built with placeholders the first time that shape comes by. drizzle's builder would
 * build the SQL and better-sqlite3 prepare it again on every call (about a tenth of a list's CPU).
 */
function preparedByShape<S extends { values(values: Record<string, unknown>): unknown[][] }>(build: (present: (name: string) => boolean) => S) {
  const statements = new Map<string, S>();
  return (values: Record<string, unknown>): S => {
    const shape = Object.keys(values).filter((k) => values[k] !== undefined && values[k] !== null).sort().join(',');
    let statement = statements.get(shape);
    if (!statement) statements.set(shape, (statement = build((name) => values[name] !== undefined && values[name] !== null)));
    return statement;
  };
}

/**
 * Keyset pages of a table, for the lists: equality on whichever filters a call gives, the rows after a key,
 * `limit` of them. Prepared once per shape of filters (drizzle's builder would build the SQL, and
 * better-sqlite3 prepare it, on every call) and decoded from raw rows by recordsOf.
 */
export function keysetPages<R>(db: Db, table: SQLiteTable, { filters, order, decoders }: KeysetPages) {
  const columns = getTableColumns(table) as Record<string, SQLiteColumn>;
  const fields = Object.keys(columns);
  const keyAt = order.map(({ column }) => fields.findIndex((f) => columns[f] === column));
  const keyNames = order.map((_, i) => `k${i}`);
  const decode = recordsOf<R>(table, decoders);
  const statementFor = preparedByShape((present) =>
    db
      .select()
      .from(table)
      .where(
        and(
          ...filters.map((f) => (present(f) ? eq(columns[f]!, sql.placeholder(f)) : undefined)),
          // Placeholders stand in for the key's values: the condition is prepared once, whatever the key.
          present('k0') ? after(order, keyNames.map((k) => sql.placeholder(k)) as unknown as SortKey) : undefined,
        ),
      )
      .orderBy(...order.map(({ column, desc: down }) => (down ? desc(column) : asc(column))))
      .limit(sql.placeholder('limit'))
      .prepare(),
  );
  return (given: Record<string, unknown>, key: SortKey | null | undefined, limit: number): Page<R> => {
    const values: Record<string, unknown> = { limit };
    for (const f of filters) values[f] = given[f];
    if (key) {
      // The statement's after() sees placeholders: the key itself is checked here.
      requireKeyFits(order, key);
      key.forEach((value, i) => (values[keyNames[i]!] = value));
    }
    return (statementFor(values).values(values) as unknown[][]).map((row) => ({ record: decode(row), key: keyAt.map((at) => row[at]) as SortKey }));
  };
}
