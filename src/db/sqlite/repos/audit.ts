import type { Statement } from 'better-sqlite3';
import { and, desc, eq, lt, sql } from 'drizzle-orm';
import type { StoredAuditEntry } from '../../../domain/audit/model.js';
import type { AuditRepo } from '../../../domain/store.js';
import { auditArchive, auditEntries, auditHeads } from '../../schema.js';
import type { Database } from '../driver.js';
import { auditLinks } from './audit-links.js';
import { type Db, withoutOrd } from './shared.js';

type Row = typeof auditEntries.$inferSelect;
export const auditRecord = (row: Row) => withoutOrd(row) as StoredAuditEntry;

// The columns of the raw read, in this order; storedEntry reads them back by position.
const auditEntryColumns = ['id', 'seq', 'actorKind', 'actorId', 'action', 'entityType', 'entityId', 'details', 'prevHash', 'hash', 'timestamp'] as const;
type AuditEntryRow = [string, number, StoredAuditEntry['actorKind'], string, string, string, string, string | null, string, string, string];
const storedEntry = (realmId: string, r: AuditEntryRow): StoredAuditEntry => ({
  id: r[0], realmId, seq: r[1], actorKind: r[2], actorId: r[3], action: r[4], entityType: r[5], entityId: r[6], details: r[7], prevHash: r[8], hash: r[9], timestamp: r[10],
});

export function auditRepo(db: Db & { $client: Database }): AuditRepo {
  // Every mutation appends: these statements are prepared once.
  const head = db.select({ seq: auditHeads.seq, hash: auditHeads.hash }).from(auditHeads).where(eq(auditHeads.realmId, sql.placeholder('realmId'))).prepare();
  const insert = db
    .insert(auditEntries)
    .values({
      id: sql.placeholder('id'),
      realmId: sql.placeholder('realmId'),
      seq: sql.placeholder('seq'),
      actorKind: sql.placeholder('actorKind'),
      actorId: sql.placeholder('actorId'),
      action: sql.placeholder('action'),
      entityType: sql.placeholder('entityType'),
      entityId: sql.placeholder('entityId'),
      details: sql.placeholder('details'),
      prevHash: sql.placeholder('prevHash'),
      hash: sql.placeholder('hash'),
      timestamp: sql.placeholder('timestamp'),
    })
    .prepare();
  const moveHead = db
    .insert(auditHeads)
    .values({ realmId: sql.placeholder('realmId'), seq: sql.placeholder('seq'), hash: sql.placeholder('hash') })
    .onConflictDoUpdate({ target: auditHeads.realmId, set: { seq: sql`excluded.seq`, hash: sql`excluded.hash` } })
    .prepare();
  // The chain's read path runs on better-sqlite3 directly, in array mode: drizzle's row mapping cost more than
  // SQLite's own work, and realm_id is left out since the WHERE fixes it (byte for byte: TEXT = TEXT).
  const fromSeqRows = db.$client
    .prepare(`SELECT ${auditEntryColumns.map((k) => auditEntries[k].name).join(', ')} FROM audit_entries WHERE realm_id = ? AND seq >= ? ORDER BY seq LIMIT ?`)
    .raw(true) as unknown as Statement<[string, number, number], AuditEntryRow>;
  return {
    *head(realmId) {
      return head.get({ realmId }) ?? null;
    },
    *append(entry) {
      insert.run({ ...entry });
      moveHead.run({ realmId: entry.realmId, seq: entry.seq, hash: entry.hash });
    },
    *range(realmId, fromSeq, limit) {
      return fromSeqRows.all(realmId, fromSeq, limit).map((row) => storedEntry(realmId, row));
    },
    links: auditLinks(db.$client, function* (realmId, fromSeq, limit) {
      // iterate() steps through the result; leaving the loop early resets the statement.
      for (const row of fromSeqRows.iterate(realmId, fromSeq, limit)) yield storedEntry(realmId, row);
    }),
    *log(realmId, q) {
      return db
        .select()
        .from(auditEntries)
        .where(
          and(
            eq(auditEntries.realmId, realmId),
            q.before !== undefined ? lt(auditEntries.seq, q.before) : undefined,
            q.action ? eq(auditEntries.action, q.action) : undefined,
            q.entityId ? eq(auditEntries.entityId, q.entityId) : undefined,
            q.actorId ? eq(auditEntries.actorId, q.actorId) : undefined,
          ),
        )
        .orderBy(desc(auditEntries.seq))
        .limit(q.limit)
        .all()
        .map(auditRecord);
    },
    *archive(realmId, sourceRealmId, entries) {
      for (const e of entries) db.insert(auditArchive).values({ ...e, realmId, sourceRealmId }).run();
    },
  };
}
