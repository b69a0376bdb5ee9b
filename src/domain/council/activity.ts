import { appendAudit, publicEntry, systemActions } from '../audit/chain.js';
import type { DomainContext } from '../context.js';
import { invalidInput } from '../errors.js';
import { requireStanding } from '../hierarchy/guards.js';
import { requireRealm, requireWritableRealm } from '../realm/guards.js';
import type { Activity, ActivityLog } from './inputs.js';

const reserved = new Set<string>(systemActions);

/** Appends an entry from outside (an agent's own record of what it did). System action names are reserved. */
export function recordActivity(ctx: DomainContext, input: Activity) {
  if (reserved.has(input.action)) {
    throw invalidInput('action', `"${input.action}" is a system action and cannot be written through council_activity; use your own name, e.g. "deploy.started"`);
  }
  return ctx.store.write(function* (tx) {
    yield* requireWritableRealm(tx, input.realmId);
    yield* requireStanding(tx, ctx.principal, input.realmId);
    const entry = yield* appendAudit(tx, ctx.clock, {
      realmId: input.realmId,
      actor: { kind: input.actorKind, id: input.actorId },
      action: input.action,
      entityType: input.entityType,
      entityId: input.entityId,
      details: input.details ?? null,
    });
    return publicEntry(entry);
  });
}

export function activityLog(ctx: DomainContext, input: ActivityLog) {
  return ctx.store.read(function* (tx) {
    yield* requireRealm(tx, input.realmId);
    const rows = yield* tx.audit.log(input.realmId, { ...input, limit: input.limit + 1 });
    const entries = rows.slice(0, input.limit).map(publicEntry);
    const nextBefore = rows.length > input.limit ? entries[entries.length - 1]!.seq : null;
    return { entries, count: entries.length, nextBefore };
  });
}
