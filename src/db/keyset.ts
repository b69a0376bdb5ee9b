// Keyset pagination for both stores: the condition is portable SQL over drizzle's column base type, so a cursor
// from either engine means the same position.
import { and, eq, gt, lt, or, type Column, type SQL } from 'drizzle-orm';
import { invalidInput } from '../domain/errors.js';
import type { SortKey } from '../domain/store.js';

export interface SortColumn {
  column: Column;
  desc?: boolean;
}

/**
 * Refuses a key that does not fit an ORDER BY over `columns`. A key comes from a cursor the client sends
 * back, and one of another length was not made for this list (another list's, or made by hand).
 */
export function requireKeyFits(columns: SortColumn[], key: SortKey) {
  if (key.length !== columns.length) throw invalidInput('cursor', 'cursor is not one this server issued');
}

/** The keyset condition "comes after `key`" for an ORDER BY over `columns` (portable SQL, no OFFSET). */
export function after(columns: SortColumn[], key: SortKey | null): SQL | undefined {
  if (!key) return undefined;
  requireKeyFits(columns, key);
  const branches = columns.map((c, i) => {
    const equalPrefix = columns.slice(0, i).map((p, j) => eq(p.column, key[j]));
    const beyond = c.desc ? lt(c.column, key[i]) : gt(c.column, key[i]);
    return and(...equalPrefix, beyond)!;
  });
  return or(...branches);
}
