import { isUtf8 } from 'node:buffer';
import type { Statement } from 'better-sqlite3';
import { hashInput, json } from '../../../domain/audit/hash-input.js';
import type { ChainLink } from '../../../domain/store.js';
import type { Database } from '../driver.js';
import { entriesBySeq } from './audit-rows.js';

// Verify's read (AuditRepo.links). Handing a row's eleven fields to JavaScript cost more than hashing it, so
// SQLite builds each entry's hash input itself and hands over GROUP entries per result row, as one BLOB of
// lines: prev_hash (64 bytes), hash (64 bytes), then the input, each line ended by a newline. No input holds
// a raw newline (JSON escapes it), so the lines split by it; a row where it would not (see `plain`) makes
// the whole group go the long way: the full rows, hashed by hashInput itself.

/**
 * Entries per result row, at most: 1,024 lines of ordinary entries is ~560 KB, read in ~2.5 ms (against 256,
 * verify of 1M entries took 2.4 instead of 2.9 s on one core). Fewer where entries are large: a group is kept
 * near GROUP_BYTES, because a slice that stops mid-group reads the rest again, and one group is read at once.
 */
export const GROUP = 1024;
const MIN_GROUP = 16;
const GROUP_BYTES = 1 << 20;

// hashInput's keys in its (sorted) order, each with the SQL that writes its value as hashInput does:
// json_quote escapes text exactly as JSON.stringify does (every code point checked against it in
// test/domain/audit-canonical.test.ts); details is stored canonical and goes in as it is.
const inputParts: [key: string, sql: string][] = [
  ['action', 'json_quote(action)'],
  ['actorId', 'json_quote(actor_id)'],
  ['actorKind', 'json_quote(actor_kind)'],
  ['details', "coalesce(details, 'null')"],
  ['entityId', 'json_quote(entity_id)'],
  ['entityType', 'json_quote(entity_type)'],
  ['id', 'json_quote(id)'],
  ['prevHash', 'json_quote(prev_hash)'],
  // The WHERE fixes realm_id byte for byte: it is quoted once, in JavaScript, not on every row (~4% of the read).
  ['realmId', '@quotedRealmId'],
  ['seq', 'seq'],
  ['timestamp', 'json_quote(timestamp)'],
];
const inputSql = `'{', ${inputParts.map(([key, sql], i) => `'${i ? ',' : ''}"${key}":', ${sql}`).join(', ')}, '}'`;

// A row SQL writes exactly as hashInput would, in the layout the lines need: a seq that is an integer (as
// hashInput writes a safe integer) and hashes of 64 bytes, the hash text (a BLOB of hex digits would pass
// here and fail in hashInput's reading). Rows written by append always are; a row changed by hand may not
// be. A BLOB in a quoted field makes json_quote refuse the whole statement: caught below. A BLOB in details
// is written as its bytes, as JavaScript writes the Buffer it reads (UTF-8, checked below). Checking every
// field's type here instead cost a fifth of the read.
const plain = "typeof(seq) = 'integer' AND typeof(hash) = 'text' AND octet_length(prev_hash) = 64 AND octet_length(hash) = 64";

// count(line) < count(*) when a row is not plain (group_concat skips its NULL). Seqs are unique in a realm,
// so plain integer seqs with max - min + 1 = count are consecutive: line i is seq min + i.
const groupSql =
  `SELECT count(*), count(line), min(seq), max(seq), CAST(group_concat(line, char(10)) AS BLOB) FROM (` +
  `SELECT seq, iif(${plain}, concat(prev_hash, hash, ${inputSql}), NULL) AS line ` +
  `FROM audit_entries WHERE realm_id = @realmId AND seq > @after ORDER BY seq LIMIT @limit)`;
type Group = [count: number, lines: number, first: number | null, last: number | null, text: Buffer | null];

const NEWLINE = 0x0a;

/** The line starts of a group, with its end at the last place; null when the lines do not split cleanly. */
function lineStarts(text: Buffer, count: number): number[] | null {
  const starts = [0];
  for (let at = text.indexOf(NEWLINE); at !== -1; at = text.indexOf(NEWLINE, at + 1)) {
    if (starts.length === count) return null;
    starts.push(at + 1);
  }
  if (starts.length !== count) return null;
  starts.push(text.length + 1);
  return starts;
}

export function auditLinks(client: Database) {
  const fullRows = entriesBySeq(client).iterate;
  const groups = client.prepare(groupSql).raw(true) as unknown as Statement<[{ realmId: string; quotedRealmId: string; after: number; limit: number }], Group>;
  // Entries per group, so that a group stays near GROUP_BYTES: entries of 64 KiB details come 16 at a time.
  let size = GROUP;
  const learn = (bytes: number, count: number) => (size = Math.max(MIN_GROUP, Math.min(GROUP, Math.floor(GROUP_BYTES / Math.max(1, bytes / count)))));

  /** One group the long way: how many entries it visited, and the seq of the last (null: stop). */
  const slowly = (realmId: string, after: number, limit: number, visit: (link: ChainLink) => boolean) => {
    let count = 0;
    let last: unknown = null;
    for (const e of fullRows(realmId, after, limit)) {
      if (!visit({ seq: e.seq, prevHash: e.prevHash, hash: e.hash, input: hashInput(e) })) return { count, last: null };
      count++;
      last = e.seq;
    }
    // Visited entries carry the seqs verify expected, integers; anything else stops the read.
    return { count, last: Number.isSafeInteger(last) ? (last as number) : null };
  };

  /** One group the fast way; the same answer as slowly, or null where the group is not plain. */
  const quickly = (realmId: string, after: number, limit: number, visit: (link: ChainLink) => boolean) => {
    let group: Group;
    try {
      group = groups.get({ realmId, quotedRealmId: json(realmId), after, limit })!;
    } catch {
      return null; // json_quote met a BLOB; a real failure of the store fails again the long way
    }
    const [count, lines, first, last, text] = group;
    if (count === 0) return { count, last: null };
    learn(text?.length ?? 0, count);
    // Invalid UTF-8 (only a hand edit writes it) reads back as U+FFFD, which hashInput hashes: never the bytes.
    const starts = lines === count && last! - first! + 1 === count && isUtf8(text!) ? lineStarts(text!, count) : null;
    if (!starts) return null;
    for (let i = 0; i < count; i++) {
      const at = starts[i]!;
      // Both hashes are 64 bytes and compare only with hex digits: latin1 reads them as they are stored.
      const link = { seq: first! + i, prevHash: text!.toString('latin1', at, at + 64), hash: text!.toString('latin1', at + 64, at + 128), input: text!.subarray(at + 128, starts[i + 1]! - 1) };
      if (!visit(link)) return { count, last: null };
    }
    return { count, last };
  };

  // Each read continues past the last seq read (not from the next integer), so nothing between them is skipped.
  return function* links(realmId: string, fromSeq: number, limit: number, visit: (link: ChainLink) => boolean) {
    for (let after = fromSeq - 1; limit > 0; ) {
      const want = Math.min(limit, size);
      const { count, last } = quickly(realmId, after, want, visit) ?? slowly(realmId, after, want, visit);
      if (last === null || count < want) return;
      after = last;
      limit -= count;
    }
  };
}
