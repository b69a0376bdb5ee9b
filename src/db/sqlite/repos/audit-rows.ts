import type { Statement } from 'better-sqlite3';
import type { StoredAuditEntry } from '../../../domain/audit/model.js';
import type { Database } from '../driver.js';

// A realm's audit entries by seq, read with better-sqlite3 directly in array mode: drizzle's row mapping cost
// more than SQLite's own work, and realm_id is left out since the WHERE fixes it (byte for byte: TEXT = TEXT).
// No drizzle here either: verify's worker threads load this module, and drizzle took ~70 ms of their start.
const columns = 'id, seq, actor_kind, actor_id, action, entity_type, entity_id, details, prev_hash, hash, timestamp';
type Row = [string, number, StoredAuditEntry['actorKind'], string, string, string, string, string | null, string, string, string];
const storedEntry = (realmId: string, r: Row): StoredAuditEntry => ({
  id: r[0], realmId, seq: r[1], actorKind: r[2], actorId: r[3], action: r[4], entityType: r[5], entityId: r[6], details: r[7], prevHash: r[8], hash: r[9], timestamp: r[10],
});

/**
 * Entries with a seq past `after`, at most `limit`: as an array, or stepped through (leaving the loop early
 * resets the statement). Past, not from: a row edited by hand to a fractional seq (1000.5) is read by the
 * read that continues after 1000, where `seq >= 1001` would step over it.
 */
export function entriesBySeq(client: Database) {
  const past = client
    .prepare(`SELECT ${columns} FROM audit_entries WHERE realm_id = ? AND seq > ? ORDER BY seq LIMIT ?`)
    .raw(true) as unknown as Statement<[string, number, number], Row>;
  return {
    all: (realmId: string, after: number, limit: number) => past.all(realmId, after, limit).map((row) => storedEntry(realmId, row)),
    *iterate(realmId: string, after: number, limit: number): Generator<StoredAuditEntry> {
      for (const row of past.iterate(realmId, after, limit)) yield storedEntry(realmId, row);
    },
  };
}
