// Verify's read (AuditRepo.links) on PostgreSQL: each entry's hash input is built by the server, as one text
// per row, instead of handing its eleven fields over and building it here. PostgreSQL's to_json(text) escapes
// exactly as JSON.stringify does (", \ and the control characters, these as \b \f \n \r \t or \u00xx in lower
// case; nothing else; test/db/pg-audit.test.ts checks every code point), and a text column can hold neither a
// lone surrogate nor a NUL, the only strings where the two could differ. seq is a bigint, written by to_json as
// hashInput writes a safe integer; a seq beyond 2^53 (only a hand edit writes one) is read rounded, so its
// input is built here from the row as range() reads it, by hashInput itself.
import { and, eq, getTableColumns, sql } from 'drizzle-orm';
import { hashInput } from '../../../domain/audit/hash-input.js';
import type { StoredAuditEntry } from '../../../domain/audit/model.js';
import type { ChainLink, Step } from '../../../domain/store.js';
import { auditEntries } from '../schema.js';
import type { PgDb } from './shared.js';
import { q } from './shared.js';

/**
 * Entries per query: the first page is small and each next one twice as large, up to PAGE_MAX (node-postgres
 * holds a whole result in memory, and verify may walk a million). Verify reads in slices of about 15 ms and
 * stops `visit` when one is up: a fixed page of 1,000, longer to build than a slice, left it visiting 64 entries
 * a slice, with 100,000 entries in 98 s instead of a few.
 */
const PAGE_FIRST = 128;
const PAGE_MAX = 2048;

// hashInput's keys in its (sorted) order, each with the SQL that writes its value as hashInput does; details
// is stored canonical and goes in as it is.
const inputParts: [key: string, sql: string][] = [
  ['action', 'to_json(action)::text'],
  ['actorId', 'to_json(actor_id)::text'],
  ['actorKind', 'to_json(actor_kind)::text'],
  ['details', "coalesce(details, 'null')"],
  ['entityId', 'to_json(entity_id)::text'],
  ['entityType', 'to_json(entity_type)::text'],
  ['id', 'to_json(id)::text'],
  ['prevHash', 'to_json(prev_hash)::text'],
  ['realmId', 'to_json(realm_id)::text'],
  ['seq', 'seq::text'],
  ['timestamp', 'to_json(timestamp)::text'],
];
const inputSql = `'{' || ${inputParts.map(([key, sql], i) => `'${i ? ',' : ''}"${key}":' || ${sql}`).join(' || ')} || '}'`;
const SAFE = Number.MAX_SAFE_INTEGER;
const linkSelect = sql.raw(`SELECT seq::text AS seq_text, prev_hash, hash, CASE WHEN seq BETWEEN -${SAFE} AND ${SAFE} THEN ${inputSql} END AS input FROM audit_entries`);

// seq goes over as text (exact beyond 2^53), under another name: ORDER BY seq would sort that text.
type LinkRow = { seq_text: string; prev_hash: string; hash: string; input: string | null };

export function auditLinks(db: PgDb) {
  const { ord: _ord, ...entryColumns } = getTableColumns(auditEntries);
  /** The one entry at `seq` (given as text: exact), read as range() reads it (seq rounded to a JS number). */
  function* entryAt(realmId: string, seq: string) {
    const rows = yield* q(db.select(entryColumns).from(auditEntries).where(and(eq(auditEntries.realmId, realmId), eq(auditEntries.seq, sql`${seq}::bigint`))));
    return rows[0] as StoredAuditEntry;
  }

  return function* links(realmId: string, fromSeq: number, limit: number, visit: (link: ChainLink) => boolean): Step<void> {
    let from = String(fromSeq);
    for (let page = PAGE_FIRST; limit > 0; page = Math.min(page * 2, PAGE_MAX)) {
      const want = Math.min(limit, page);
      const { rows } = yield* q(db.execute<LinkRow>(sql`${linkSelect} WHERE realm_id = ${realmId} AND seq >= ${from}::bigint ORDER BY audit_entries.seq LIMIT ${want}`));
      for (const row of rows) {
        let input = row.input;
        if (input === null) {
          const entry = yield* entryAt(realmId, row.seq_text);
          input = hashInput(entry);
        }
        if (!visit({ seq: Number(row.seq_text), prevHash: row.prev_hash, hash: row.hash, input })) return;
      }
      if (rows.length < want) return;
      from = String(BigInt(rows[rows.length - 1]!.seq_text) + 1n);
      limit -= rows.length;
    }
  };
}
