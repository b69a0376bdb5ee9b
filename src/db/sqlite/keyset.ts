import { and, eq, gt, lt, or, type SQL } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { SortKey } from '../../domain/store.js';

export interface SortColumn {
  column: SQLiteColumn;
  desc?: boolean;
}

/** The keyset condition "comes after `key`" for an ORDER BY over `columns` (portable SQL, no OFFSET). */
export function after(columns: SortColumn[], key: SortKey | null): SQL | undefined {
  if (!key) return undefined;
  const branches = columns.map((c, i) => {
    const equalPrefix = columns.slice(0, i).map((p, j) => eq(p.column, key[j]));
    const beyond = c.desc ? lt(c.column, key[i]) : gt(c.column, key[i]);
    return and(...equalPrefix, beyond)!;
  });
  return or(...branches);
}

export const sortKeyOf = (row: Record<string, unknown>, columns: SortColumn[]): SortKey =>
  columns.map((c) => row[columnKey(row, c.column)] as string | number);

// drizzle returns rows keyed by the schema's property names; find the property of a column by its SQL name.
function columnKey(row: Record<string, unknown>, column: SQLiteColumn): string {
  const snake = column.name;
  const camel = snake.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());
  return camel in row ? camel : snake;
}
