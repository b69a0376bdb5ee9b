import { eq, sql } from 'drizzle-orm';
import type { StoredAuditEntry } from '../../../domain/audit/model.js';
import type { AuditRepo } from '../../../domain/store.js';
import { auditArchive, auditEntries, auditHeads } from '../../schema.js';
import type { Database } from '../driver.js';
import { auditLinks } from './audit-links.js';
import { entriesBySeq } from './audit-rows.js';
import { keysetPages } from './keyset-pages.js';
import type { Db } from './shared.js';

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
  const bySeq = entriesBySeq(db.$client);
  const log = keysetPages<StoredAuditEntry>(db, auditEntries, { filters: ['realmId', 'action', 'entityId', 'actorId'], order: [{ column: auditEntries.seq, desc: true }] });
  return {
    *head(realmId) {
      return head.get({ realmId }) ?? null;
    },
    *append(entry) {
      insert.run({ ...entry });
      moveHead.run({ realmId: entry.realmId, seq: entry.seq, hash: entry.hash });
    },
    *range(realmId, fromSeq, limit) {
      return bySeq.all(realmId, fromSeq - 1, limit);
    },
    links: auditLinks(db.$client),
    *log(realmId, q) {
      // Newest first, below `before`: a keyset page on seq descending whose key is `before`.
      const before = q.before === undefined ? null : [q.before];
      return log({ realmId, action: q.action, entityId: q.entityId, actorId: q.actorId }, before, q.limit).map((row) => row.record);
    },
    *archive(realmId, sourceRealmId, entries) {
      for (const e of entries) db.insert(auditArchive).values({ ...e, realmId, sourceRealmId }).run();
    },
  };
}
