import { appendAudit } from '../audit/chain.js';
import { isoNow } from '../clock.js';
import type { DomainContext } from '../context.js';
import { requireDirective } from '../directive/guards.js';
import { newId } from '../ids.js';
import { definedOnly, decodeCursor, toPage } from '../pagination.js';
import { actorFrom } from '../principal.js';
import { requireRealm, requireWritableRealm } from '../realm/guards.js';
import { requireBlockers } from './blockers.js';
import { requireMission } from './guards.js';
import type { CreateMission, ListMissions } from './inputs.js';
import { type Mission, untriedMission } from './model.js';

export function createMission(ctx: DomainContext, input: CreateMission): Promise<Mission> {
  return ctx.store.write(function* (tx) {
    yield* requireWritableRealm(tx, input.realmId);
    if (input.directiveId) yield* requireDirective(tx, input.realmId, input.directiveId, 'directiveId');
    if (input.parentId) yield* requireMission(tx, input.realmId, input.parentId, 'parentId');
    // A new mission has nothing waiting on it yet, so its blockers cannot close a loop: they need only exist.
    const blockedBy = input.blockedBy ?? [];
    yield* requireBlockers(tx, input.realmId, blockedBy);
    const now = isoNow(ctx.clock);
    const mission: Mission = {
      id: newId('msn'),
      realmId: input.realmId,
      directiveId: input.directiveId ?? null,
      parentId: input.parentId ?? null,
      title: input.title,
      description: input.description ?? null,
      status: input.status,
      priority: input.priority,
      assigneeId: null,
      createdBy: input.createdBy,
      billingCode: input.billingCode ?? null,
      requiredCapabilities: input.requiredCapabilities ?? [],
      blockedBy,
      region: input.region ?? null,
      maxAttempts: input.maxAttempts ?? null,
      ...untriedMission,
      version: 1,
      startedAt: null,
      completedAt: null,
      createdAt: now,
      updatedAt: now,
    };
    yield* tx.missions.insert(mission);
    yield* tx.missionBlockers.set(input.realmId, mission.id, blockedBy);
    yield* appendAudit(tx, ctx.clock, {
      realmId: input.realmId,
      actor: actorFrom(ctx.principal, input.createdBy),
      action: 'created',
      entityType: 'mission',
      entityId: mission.id,
      details: {
        title: mission.title, status: mission.status, priority: mission.priority, directiveId: mission.directiveId,
        ...(blockedBy.length ? { blockedBy } : {}),
      },
    });
    tx.announce({ topic: 'mission.lifecycle', realmId: input.realmId, payload: { missionId: mission.id, event: 'created', status: mission.status } });
    return mission;
  });
}

export function listMissions(ctx: DomainContext, input: ListMissions) {
  const { realmId, limit, cursor, ...rest } = input;
  const filters = definedOnly({ realmId, ...rest });
  const after = decodeCursor(cursor, filters);
  return ctx.store.read(function* (tx) {
    yield* requireRealm(tx, realmId);
    const page = toPage(yield* tx.missions.page(realmId, { ...rest, after, limit: limit + 1 }), limit, filters);
    return { missions: page.items, count: page.count, nextCursor: page.nextCursor };
  });
}
