// Keyset pagination for the PostgreSQL store: the SQLite store's condition (src/db/sqlite/keyset.ts), typed
// for pg-core columns. Same SQL shape, so a cursor from either engine means the same position.
import { and, eq, gt, lt, or, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { SortKey } from '../../domain/store.js';

export interface SortColumn {
  column: PgColumn;
  desc?: boolean;
}

/** The keyset condition "comes after `key`" for an ORDER BY over `columns` (no OFFSET). */
export function after(columns: SortColumn[], key: SortKey | null): SQL | undefined {
  if (!key) return undefined;
  const branches = columns.map((c, i) => {
    const equalPrefix = columns.slice(0, i).map((p, j) => eq(p.column, key[j]));
    const beyond = c.desc ? lt(c.column, key[i]) : gt(c.column, key[i]);
    return and(...equalPrefix, beyond)!;
  });
  return or(...branches);
}
