import { createHash } from 'node:crypto';
import { canonicalJson } from './audit/canonical.js';
import { invalidInput } from './errors.js';
import type { Keyed, SortKey } from './store.js';

// Cursors are opaque: base64url of the last row's sort key and a hash of the filters they were made with,
// so a cursor reused with other filters is refused instead of silently skipping rows.
const filterHash = (filters: Record<string, unknown>) =>
  createHash('sha256').update(canonicalJson(filters)).digest('base64url').slice(0, 16);

export function decodeCursor(cursor: string | undefined, filters: Record<string, unknown>): SortKey | null {
  if (cursor === undefined) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidInput('cursor', 'cursor is not one this server issued');
  }
  const { k, f } = (parsed ?? {}) as { k?: unknown; f?: unknown };
  const validKey = Array.isArray(k) && k.length > 0 && k.every((v) => typeof v === 'string' || typeof v === 'number');
  if (!validKey) throw invalidInput('cursor', 'cursor is not one this server issued');
  if (f !== filterHash(filters)) throw invalidInput('cursor', 'cursor was issued for other filters: start again without a cursor');
  return k as SortKey;
}

const encodeCursor = (key: SortKey, filters: Record<string, unknown>) =>
  Buffer.from(JSON.stringify({ k: key, f: filterHash(filters) })).toString('base64url');

/** Turns `limit + 1` fetched rows into one page and the cursor of the next (null on the last page). */
export function toPage<T>(rows: Keyed<T>[], limit: number, filters: Record<string, unknown>) {
  const items = rows.slice(0, limit).map((r) => r.record);
  const last = rows[limit - 1];
  const nextCursor = rows.length > limit && last ? encodeCursor(last.key, filters) : null;
  return { items, count: items.length, nextCursor };
}

/** Drops undefined values, so that an omitted filter and an absent one hash alike. */
export const definedOnly = <T extends Record<string, unknown>>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
