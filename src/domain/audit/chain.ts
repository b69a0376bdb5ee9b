import type { Clock } from '../clock.js';
import { DomainError } from '../errors.js';
import { newId } from '../ids.js';
import type { Actor } from '../principal.js';
import { scrub } from '../secrets.js';
import type { ChainLink, Step, Tx } from '../store.js';
import { canonicalJson } from './canonical.js';
import { GENESIS_HASH, type StoredAuditEntry } from './model.js';
import { sha256Hex } from './sha256.js';

/** The action names the system writes; `council_activity` may not forge them. */
export const systemActions = [
  'created', 'updated', 'deleted',
  'checked_out', 'released', 'transitioned', 'commented', 'delegated', 'retry_scheduled', 'dead_lettered', 'lease_expired',
  'budget_set', 'spend_recorded', 'budget_alert', 'budget_exceeded',
  'proposal_submitted', 'proposal_approved', 'proposal_rejected',
  'override_pause', 'override_resume', 'override_terminate',
  'realm_imported', 'realm_suspended', 'realm_archived',
  'pulse_registered', 'pulse_toggled', 'pulse_run_started', 'pulse_run_finished',
  'run_started', 'run_finished', 'run_cancelled', 'run_lost', 'runaway_guard',
] as const;
export type SystemAction = (typeof systemActions)[number];

// Values as RFC 8785 writes them. A string is JSON.stringify's (ES2019 escaping is the RFC's) for well-formed
// Unicode: text read back from SQLite always is (it is decoded from UTF-8), and append refuses anything else,
// as canonicalize does. Most strings need no escape at all and are only quoted (JSON.stringify on every field
// cost twice the hashing). seq is an integer; a value of another type (only a row changed by hand can hold
// one) goes the long way.
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;
const json = (value: unknown) =>
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

export const entryHash = (entry: Omit<StoredAuditEntry, 'hash'>) => sha256Hex(hashInput(entry));

export interface AuditInput {
  realmId: string;
  actor: Actor;
  action: string;
  entityType: string;
  entityId: string;
  details?: unknown;
}

// String.prototype.isWellFormed is in Node 20 (V8 11.3); the ES2023 lib we compile against does not type it.
const wellFormed = (s: string) => (s as string & { isWellFormed(): boolean }).isWellFormed();

/**
 * A lone surrogate has no RFC 8785 form: canonicalize refuses it, where hashInput's JSON.stringify would
 * escape it. The transports refuse such arguments already; this keeps the chain's own rule in the chain.
 */
function refuseLoneSurrogates(fields: Record<string, string>) {
  for (const [field, text] of Object.entries(fields)) {
    if (!wellFormed(text)) throw new DomainError('invalid_input', `${field} is not well-formed Unicode (it holds a lone UTF-16 surrogate such as \\ud800)`, { field });
  }
}

/** Appends one entry to the realm's chain, inside the caller's unit of work. */
export function* appendAudit(tx: Tx, clock: Clock, input: AuditInput): Step<StoredAuditEntry> {
  refuseLoneSurrogates({ realmId: input.realmId, actorKind: input.actor.kind, actorId: input.actor.id, action: input.action, entityType: input.entityType, entityId: input.entityId });
  const head = yield* tx.audit.head(input.realmId);
  const base = {
    id: newId('act'),
    realmId: input.realmId,
    seq: (head?.seq ?? 0) + 1,
    actorKind: input.actor.kind,
    actorId: input.actor.id,
    action: input.action,
    entityType: input.entityType,
    entityId: input.entityId,
    // Secrets are removed before hashing: a secret value never becomes part of the chain.
    details: input.details === undefined || input.details === null ? null : canonicalJson(scrub(input.details).value),
    prevHash: head?.hash ?? GENESIS_HASH,
    timestamp: clock.now().toISOString(),
  };
  const entry: StoredAuditEntry = { ...base, hash: entryHash(base) };
  yield* tx.audit.append(entry);
  tx.announce({ topic: 'audit.appended', realmId: input.realmId, payload: { seq: entry.seq, hash: entry.hash, action: entry.action, entityId: entry.entityId } });
  return entry;
}

export interface VerifyResult {
  valid: boolean;
  entryCount: number;
  headHash: string | null;
  firstInvalidSeq: number | null;
  reason: string | null;
}

/**
 * Walks a realm's links in seq order and reports the first one that breaks the chain. Feed them in order;
 * it keeps only the previous entry. `fromSeq` > 1 starts from that entry's own prevHash.
 */
export function chainVerifier(fromSeq = 1) {
  let expectedSeq = fromSeq;
  let prevHash: string | null = fromSeq === 1 ? GENESIS_HASH : null;
  let count = 0;
  let headHash: string | null = null;
  let failure: { seq: number; reason: string } | null = null;

  // The realm is not checked here: the store reads one realm's links only (its hash input names the realm).
  const check = (e: ChainLink): string | null => {
    if (e.seq !== expectedSeq) return `seq ${e.seq} found where ${expectedSeq} was expected`;
    if (prevHash !== null && e.prevHash !== prevHash) return 'prevHash does not match the previous entry\'s hash';
    if (sha256Hex(e.input) !== e.hash) return 'hash does not match the entry\'s content';
    return null;
  };

  return {
    /** Returns false once a broken entry was found (stop feeding). */
    feed(link: ChainLink): boolean {
      if (failure) return false;
      const reason = check(link);
      if (reason) {
        failure = { seq: link.seq, reason };
        return false;
      }
      count++;
      expectedSeq = link.seq + 1;
      prevHash = link.hash;
      headHash = link.hash;
      return true;
    },
    result(): VerifyResult {
      return {
        valid: failure === null,
        entryCount: count,
        headHash,
        firstInvalidSeq: failure?.seq ?? null,
        reason: failure?.reason ?? null,
      };
    },
  };
}

/** Parses a stored entry's canonical details for output. */
export const publicEntry = (e: StoredAuditEntry) => ({ ...e, details: e.details === null ? null : (JSON.parse(e.details) as unknown) });
