import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';
import { newId } from '../ids.js';
import type { Actor } from '../principal.js';
import { scrub } from '../secrets.js';
import type { Step, Tx } from '../store.js';
import { canonicalJson } from './canonical.js';
import { GENESIS_HASH, type StoredAuditEntry } from './model.js';

/** The action names the system writes; `council_activity` may not forge them. */
export const systemActions = [
  'created', 'updated', 'deleted',
  'checked_out', 'released', 'transitioned', 'commented',
  'budget_set', 'spend_recorded', 'budget_alert', 'budget_exceeded',
  'proposal_submitted', 'proposal_approved', 'proposal_rejected',
  'override_pause', 'override_resume', 'override_terminate',
  'realm_imported', 'realm_suspended', 'realm_archived',
  'pulse_registered', 'pulse_toggled', 'pulse_run_started', 'pulse_run_finished',
  'run_started', 'run_finished', 'run_cancelled', 'run_lost',
] as const;
export type SystemAction = (typeof systemActions)[number];

const DETAILS_SLOT = '"details":null';

/**
 * The exact bytes that are hashed, built from the stored form: the canonical JSON of every field but the hash,
 * with the stored canonical `details` text put in its slot. Keys sort the same way either way, so this equals
 * canonicalJson of the entry with `details` parsed, without parsing it (verify streams many rows).
 */
export function hashInput(entry: Omit<StoredAuditEntry, 'hash'>): string {
  const { details, ...rest } = entry;
  const skeleton = canonicalJson({
    id: rest.id, seq: rest.seq, prevHash: rest.prevHash, timestamp: rest.timestamp, realmId: rest.realmId,
    actorKind: rest.actorKind, actorId: rest.actorId, action: rest.action, entityType: rest.entityType,
    entityId: rest.entityId, details: null,
  });
  // The slot occurs once unescaped: inside string values every quote is escaped.
  return details === null ? skeleton : skeleton.replace(DETAILS_SLOT, `"details":${details}`);
}

export const entryHash = (entry: Omit<StoredAuditEntry, 'hash'>) =>
  createHash('sha256').update(hashInput(entry), 'utf8').digest('hex');

export interface AuditInput {
  realmId: string;
  actor: Actor;
  action: string;
  entityType: string;
  entityId: string;
  details?: unknown;
}

/** Appends one entry to the realm's chain, inside the caller's unit of work. */
export function* appendAudit(tx: Tx, clock: Clock, input: AuditInput): Step<StoredAuditEntry> {
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
 * Walks stored entries in seq order and reports the first one that breaks the chain. Feed it pages in order;
 * it keeps only the previous entry. `fromSeq` > 1 starts from that entry's own prevHash.
 */
export function chainVerifier(realmId: string, fromSeq = 1) {
  let expectedSeq = fromSeq;
  let prevHash: string | null = fromSeq === 1 ? GENESIS_HASH : null;
  let count = 0;
  let headHash: string | null = null;
  let failure: { seq: number; reason: string } | null = null;

  const check = (e: StoredAuditEntry): string | null => {
    if (e.seq !== expectedSeq) return `seq ${e.seq} found where ${expectedSeq} was expected`;
    if (e.realmId !== realmId) return `entry belongs to realm ${e.realmId}`;
    if (prevHash !== null && e.prevHash !== prevHash) return 'prevHash does not match the previous entry\'s hash';
    if (entryHash(e) !== e.hash) return 'hash does not match the entry\'s content';
    return null;
  };

  return {
    /** Returns false once a broken entry was found (stop feeding). */
    feed(entry: StoredAuditEntry): boolean {
      if (failure) return false;
      const reason = check(entry);
      if (reason) {
        failure = { seq: entry.seq, reason };
        return false;
      }
      count++;
      expectedSeq = entry.seq + 1;
      prevHash = entry.hash;
      headHash = entry.hash;
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
