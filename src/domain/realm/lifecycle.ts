import { appendAudit } from '../audit/chain.js';
import { isoNow } from '../clock.js';
import type { DomainContext } from '../context.js';
import { DomainError, invalidInput } from '../errors.js';
import { brokenFleetRule, defaultFleetSettings, type FleetSettings, mergeFleetSettings } from '../fleet/settings.js';
import { newId } from '../ids.js';
import { definedOnly, decodeCursor, toPage } from '../pagination.js';
import { actorFrom } from '../principal.js';
import { casOrConflict, checkVersion, givenFields } from '../versions.js';
import { requireRealm } from './guards.js';
import type { CreateRealm, DeleteRealm, ListRealms, UpdateRealm } from './inputs.js';
import type { Realm, RealmStatus } from './model.js';
import type { Step, Tx } from '../store.js';

export function createRealm(ctx: DomainContext, input: CreateRealm): Promise<Realm> {
  return ctx.store.write(function* (tx) {
    const now = isoNow(ctx.clock);
    const realm: Realm = {
      id: newId('realm'),
      name: input.name,
      description: input.description ?? null,
      status: 'active',
      owner: input.owner,
      defaultModel: input.defaultModel ?? null,
      maxAgents: input.maxAgents ?? null,
      metadata: input.metadata ?? null,
      fleet: checkedFleet(mergeFleetSettings(defaultFleetSettings, input.fleet)),
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    yield* tx.realms.insert(realm);
    yield* appendAudit(tx, ctx.clock, {
      realmId: realm.id,
      actor: actorFrom(ctx.principal, input.owner, 'human'),
      action: 'created',
      entityType: 'realm',
      entityId: realm.id,
      details: { name: realm.name, owner: realm.owner },
    });
    tx.announce({ topic: 'realm.lifecycle', realmId: realm.id, payload: { event: 'created', realmId: realm.id } });
    return realm;
  });
}

export const getRealm = (ctx: DomainContext, input: { id: string }) =>
  ctx.store.read((tx) => requireRealm(tx, input.id));

export function listRealms(ctx: DomainContext, input: ListRealms) {
  const own = ctx.principal.realmId;
  // An operator or agent sees its one realm.
  if (own !== undefined) {
    return ctx.store.read(function* (tx) {
      const realm = yield* tx.realms.get(own);
      const realms = realm && (!input.status || realm.status === input.status) ? [realm] : [];
      return { realms, count: realms.length, nextCursor: null };
    });
  }
  const filters = definedOnly({ status: input.status });
  const after = decodeCursor(input.cursor, filters);
  return ctx.store.read(function* (tx) {
    const rows = yield* tx.realms.page({ ...filters, after, limit: input.limit + 1 });
    const page = toPage(rows, input.limit, filters);
    return { realms: page.items, count: page.count, nextCursor: page.nextCursor };
  });
}

// Status moves of a realm; archived is final.
const realmMoves: Record<RealmStatus, readonly RealmStatus[]> = {
  active: ['active', 'suspended', 'archived'],
  suspended: ['active', 'suspended'],
  archived: [],
};
const statusActions: Partial<Record<RealmStatus, string>> = { suspended: 'realm_suspended', archived: 'realm_archived' };

export function updateRealm(ctx: DomainContext, input: UpdateRealm): Promise<Realm> {
  return ctx.store.write((tx) => patchRealm(tx, ctx, input));
}

/** The update as a step: an approved realm_suspend proposal runs it inside its own transaction. */
export function* patchRealm(tx: Tx, ctx: DomainContext, input: UpdateRealm): Step<Realm> {
  const realm = yield* requireRealm(tx, input.id);
  // A suspended realm takes only the update that reactivates it; an archived one takes none.
  const reactivating = realm.status === 'suspended' && input.status === 'active';
  if (realm.status !== 'active' && !reactivating) {
    throw new DomainError(
      'realm_suspended',
      realm.status === 'archived'
        ? `realm ${realm.id} is archived: it can only be read or deleted`
        : `realm ${realm.id} is suspended: only {status: "active"} is accepted`,
      { status: realm.status },
    );
  }
  checkVersion('realm', realm.id, realm, input.expectedVersion);
  if (input.status && !realmMoves[realm.status].includes(input.status)) {
    throw new DomainError('invalid_transition', `realm ${realm.id} cannot go from ${realm.status} to ${input.status}`, {
      from: realm.status,
      allowed: realmMoves[realm.status],
    });
  }
  const patch = givenFields(input, ['name', 'description', 'status', 'defaultModel', 'maxAgents', 'metadata']) as Partial<Realm>;
  if (input.fleet) patch.fleet = checkedFleet(mergeFleetSettings(realm.fleet, input.fleet));
  const updated = casOrConflict(
    yield* tx.realms.update(realm.id, realm.version, { ...patch, updatedAt: isoNow(ctx.clock) } as Partial<Realm>),
    'realm', realm.id, realm,
  );
  const statusChanged = input.status !== undefined && input.status !== realm.status;
  yield* appendAudit(tx, ctx.clock, {
    realmId: realm.id,
    actor: ctx.principal,
    action: (statusChanged && statusActions[input.status!]) || 'updated',
    entityType: 'realm',
    entityId: realm.id,
    details: { fields: Object.keys(patch), ...(statusChanged ? { from: realm.status, to: input.status } : {}) },
  });
  // Holders could not renew while the realm was suspended (every call was refused): their leases start over.
  if (statusChanged && realm.status === 'suspended') {
    yield* tx.missions.extendLeases(realm.id, new Date(ctx.clock.now().getTime() + updated.fleet.leaseSecs * 1000).toISOString());
  }
  tx.announce({ topic: 'realm.lifecycle', realmId: realm.id, payload: { event: 'updated', realmId: realm.id, status: updated.status } });
  return updated;
}

function checkedFleet(settings: FleetSettings): FleetSettings {
  const broken = brokenFleetRule(settings);
  if (broken) throw invalidInput(broken.field, broken.message);
  return settings;
}

/**
 * Stops the realm's running runs (wherever they run), then deletes the realm and all its data in one
 * transaction, through the per-realm table registry; its schedules go with their rows (the scheduler drops
 * them on the announcement). The audit chain goes too, so the deletion is announced and logged, not audited.
 */
export async function deleteRealm(ctx: DomainContext, input: DeleteRealm) {
  const running = await ctx.store.write(function* (tx) {
    const realm = yield* requireRealm(tx, input.id);
    if (input.confirm !== realm.name.trim()) {
      throw invalidInput('confirm', `confirm must be the realm's name exactly ("${realm.name}")`);
    }
    const runs = yield* tx.runs.runningInRealm(realm.id);
    for (const run of runs) yield* tx.runs.requestCancel(run.id);
    return runs;
  });
  if (ctx.runner) await Promise.all(running.map((run) => ctx.runner!.stop(run)));
  return ctx.store.write(function* (tx) {
    const realm = yield* requireRealm(tx, input.id);
    const counts = yield* tx.realmData.deleteAll(realm.id);
    // The key that made the realm is kept outside it (realm ''): it goes too, so a repeat cannot answer with a
    // realm that no longer exists, and the realm's metadata is not kept in its answer.
    yield* tx.idempotency.forgetRealm(realm.id);
    tx.announce({ topic: 'realm.lifecycle', realmId: realm.id, payload: { event: 'deleted', realmId: realm.id } });
    return { id: realm.id, name: realm.name, deleted: true as const, counts };
  });
}
