import type { Clock } from '../clock.js';
import { DomainError } from '../errors.js';
import { newId } from '../ids.js';
import type { Actor } from '../principal.js';
import { scrub } from '../secrets.js';
import type { Step, Tx } from '../store.js';
import { canonicalJson } from './canonical.js';
import { GENESIS_HASH, hashInput } from './hash-input.js';
import type { StoredAuditEntry } from './model.js';
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

/** Parses a stored entry's canonical details for output. */
export const publicEntry = (e: StoredAuditEntry) => ({ ...e, details: e.details === null ? null : (JSON.parse(e.details) as unknown) });
