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

/** Entries from `fromSeq` on, at most `limit`: as an array, or stepped through (leaving the loop early resets the statement). */
export function entriesBySeq(client: Database) {
  const fromSeq = client
    .prepare(`SELECT ${columns} FROM audit_entries WHERE realm_id = ? AND seq >= ? ORDER BY seq LIMIT ?`)
    .raw(true) as unknown as Statement<[string, number, number], Row>;
  return {
    all: (realmId: string, from: number, limit: number) => fromSeq.all(realmId, from, limit).map((row) => storedEntry(realmId, row)),
    *iterate(realmId: string, from: number, limit: number): Generator<StoredAuditEntry> {
      for (const row of fromSeq.iterate(realmId, from, limit)) yield storedEntry(realmId, row);
    },
  };
}
