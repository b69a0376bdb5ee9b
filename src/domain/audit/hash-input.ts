// The text an audit entry's hash covers. Its own module, apart from append (chain.ts), so that what reads
// and checks stored entries (verify's worker processes) loads only this and canonical.ts.
import { canonicalJson } from './canonical.js';
import type { StoredAuditEntry } from './model.js';

/** The prevHash of a realm's first entry. */
export const GENESIS_HASH = '0'.repeat(64);

// Values as RFC 8785 writes them. A string is JSON.stringify's (ES2019 escaping is the RFC's) for well-formed
// Unicode: text read back from SQLite always is (it is decoded from UTF-8), and append refuses anything else,
// as canonicalize does. Most strings need no escape at all and are only quoted (JSON.stringify on every field
// cost twice the hashing). seq is an integer; a value of another type (only a row changed by hand can hold
// one) goes the long way.
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;
export const json = (value: unknown) =>
  typeof value === 'string'
    ? NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : '"' + value + '"'
    : Number.isSafeInteger(value) ? String(value) : canonicalJson(value);

/**
 * The exact bytes that are hashed: the RFC 8785 canonical JSON of every field but the hash. The keys are
 * fixed, so they are written here in their sorted order; `details` is stored as canonical text already and
 * goes in as it is, never parsed. Equal to canonicalize() of the entry byte for byte (tested on random
 * entries in test/domain/audit-canonical.test.ts); verify builds one per stored entry.
 */
export function hashInput(e: Omit<StoredAuditEntry, 'hash'>): string {
  return (
    '{"action":' + json(e.action) +
    ',"actorId":' + json(e.actorId) +
    ',"actorKind":' + json(e.actorKind) +
    ',"details":' + (e.details ?? 'null') +
    ',"entityId":' + json(e.entityId) +
    ',"entityType":' + json(e.entityType) +
    ',"id":' + json(e.id) +
    ',"prevHash":' + json(e.prevHash) +
    ',"realmId":' + json(e.realmId) +
    ',"seq":' + json(e.seq) +
    ',"timestamp":' + json(e.timestamp) +
    '}'
  );
}
