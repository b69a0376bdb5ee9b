import { and, asc, count, eq, inArray, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import { priorities } from '../../../domain/directive/model.js';
import type { Mission } from '../../../domain/mission/model.js';
import type { MissionRepo, QueueCount } from '../../../domain/store.js';
import { alias } from 'drizzle-orm/sqlite-core';
import { missions } from '../../schema.js';
import { claimOrder } from '../../claim-order.js';
import type { SortColumn } from '../../keyset.js';
import { keysetPages } from './keyset-pages.js';
import { casUpdate, type Db, preparedInsert, priorityFromRank, recordByKey, withoutOrd } from './shared.js';

type Row = typeof missions.$inferSelect;
export const missionRecord = (row: Row) => ({ ...withoutOrd(row), priority: priorities[row.priority] }) as Mission;
export const missionRow = (m: Mission) => ({ ...m, priority: priorities.indexOf(m.priority) });

const order: SortColumn[] = [{ column: missions.priority }, { column: missions.createdAt }, { column: missions.ord }];

export function missionRepo(db: Db): MissionRepo {
  const insert = preparedInsert(db, missions);
  // The checkout path reads one mission by id.
  const one = recordByKey<Mission>(db, missions, ['realmId', 'id'], priorityFromRank);
  const page = keysetPages<Mission>(db, missions, {
    filters: ['realmId', 'status', 'assigneeId', 'directiveId', 'priority'],
    order,
    decoders: priorityFromRank,
  });
  // Claim-next: the candidate is chosen and taken in one statement (SQLite runs it inside the IMMEDIATE
  // transaction; PostgreSQL will add FOR UPDATE SKIP LOCKED to the subquery). The outer conditions repeat the
  // status and assignee so the UPDATE never takes a mission another claimer changed in between. The candidates
  // come from claimOrder (src/db/claim-order.ts): per priority, a seek into missions_queue for the agent's region
  // and for none, then a walk of missions_realm_status for the others, stopping at the first fit. A queued
  // mission never has an assignee (every move to queued clears it), so the arms leave assignee_id out: with it,
  // SQLite would walk missions_realm_assignee instead (every unassigned mission of the realm, backlog
  // included). Only json_each is SQLite's own (PostgreSQL: json_array_elements_text).
  const p = (name: string) => sql.placeholder(name);
  // What the agent can take now, in the order it would get it: claim-next takes the first; the briefing and the
  // pulse's idle check read the list.
  const takeableWhere = sql`m.realm_id = ${p('realmId')} AND m.status = 'queued'
        AND (m.retry_at IS NULL OR m.retry_at <= ${p('now')})
        AND NOT EXISTS (SELECT 1 FROM json_each(m.required_capabilities) c
          WHERE NOT EXISTS (SELECT 1 FROM node_capabilities n WHERE n.realm_id = m.realm_id AND n.capability = c.value AND n.agent_id = ${p('agentId')}))
        AND NOT EXISTS (SELECT 1 FROM mission_blockers b JOIN missions bm ON bm.realm_id = b.realm_id AND bm.id = b.blocker_id
          WHERE b.realm_id = m.realm_id AND b.mission_id = m.id AND bm.status <> 'complete')`;
  // The candidates come in claim order from claimOrder's arms; the list sorts the few it reads the same way.
  const takeableOrder = sql`m.priority, CASE WHEN m.region = ${p('region')} THEN 0 WHEN m.region IS NULL THEN 1 ELSE 2 END, m.created_at, m.ord`;
  // Named, because without statistics the planner took missions_realm_status for "no region" (walking the
  // priority past every mission that has one) and missions_realm_order, every status, for "other regions".
  const source = (tier: number) => (tier < 2 ? sql`missions m INDEXED BY missions_queue` : sql`missions m INDEXED BY missions_realm_status`);
  const region = sql`${p('region')}`;
  const candidate = sql`(${claimOrder(takeableWhere, region, sql`1`, { source })})`;
  const m = alias(missions, 'm');
  const takeable = db.select().from(m).where(sql`m.ord IN (${claimOrder(takeableWhere, region, sql`${p('limit')}`, { source })})`).orderBy(takeableOrder).limit(p('limit')).prepare();
  const claim = db
    .update(missions)
    .set({
      status: 'active',
      assigneeId: p('agentId'),
      startedAt: p('now'),
      updatedAt: p('now'),
      leaseExpiresAt: p('leaseExpiresAt'),
      fence: sql`${missions.fence} + 1`,
      version: sql`${missions.version} + 1`,
    } as never)
    .where(and(eq(missions.ord, candidate), eq(missions.status, 'queued'), isNull(missions.assigneeId)))
    .returning()
    .prepare();
  const expired = db
    .select()
    .from(missions)
    // Only realms that accept changes: a suspended realm's missions wait for it, and must not fill every sweep.
    .where(
      and(
        lt(missions.leaseExpiresAt, p('now')),
        eq(missions.status, 'active'),
        sql`EXISTS (SELECT 1 FROM realms r WHERE r.id = missions.realm_id AND r.status = 'active')`,
      ),
    )
    .orderBy(asc(missions.leaseExpiresAt))
    .limit(p('limit'))
    .prepare();
  // One row per (status, priority, retrying, waiting): counted in SQL over missions_realm_status.
  const counts = db
    .select({
      status: missions.status,
      priority: missions.priority,
      retrying: sql<number>`CASE WHEN ${missions.status} = 'queued' AND ${missions.retryAt} > ${p('now')} THEN 1 ELSE 0 END`,
      waiting: sql<number>`CASE WHEN ${missions.status} = 'queued' AND EXISTS (SELECT 1 FROM mission_blockers b JOIN missions bm ON bm.realm_id = b.realm_id AND bm.id = b.blocker_id
          WHERE b.realm_id = missions.realm_id AND b.mission_id = missions.id AND bm.status <> 'complete') THEN 1 ELSE 0 END`,
      count: count(),
      oldest: sql<string>`min(${missions.createdAt})`,
    })
    .from(missions)
    .where(and(eq(missions.realmId, p('realmId')), inArray(missions.status, ['queued', 'active', 'failed'])))
    .groupBy(sql`1`, sql`2`, sql`3`, sql`4`)
    .prepare();
  return {
    *takeable(q) {
      return (takeable.all(q) as Row[]).map(missionRecord);
    },
    *claimNext(q) {
      const row = claim.get(q) as Row | undefined;
      return row ? missionRecord(row) : null;
    },
    *leaseExpired(now, limit) {
      return (expired.all({ now, limit }) as Row[]).map(missionRecord);
    },
    *queueCounts(realmId, now) {
      return counts.all({ realmId, now }).map((r) => ({
        status: r.status,
        priority: priorities[r.priority],
        retrying: r.retrying === 1,
        waiting: r.waiting === 1,
        count: r.count,
        oldest: r.oldest,
      })) as QueueCount[];
    },
    *get(realmId, id) {
      return one(realmId, id);
    },
    *insert(mission) {
      insert(missionRow(mission));
    },
    *update(realmId, id, version, patch) {
      const stored = patch.priority === undefined ? patch : { ...patch, priority: priorities.indexOf(patch.priority) };
      const row = casUpdate<Row>(db, missions, { realmId, id }, version, stored);
      return row ? missionRecord(row) : null;
    },
    *page(realmId, q) {
      const priority = q.priority ? priorities.indexOf(q.priority) : undefined;
      return page({ realmId, status: q.status, assigneeId: q.assigneeId, directiveId: q.directiveId, priority }, q.after, q.limit);
    },
    *renewLeases(realmId, agentId, expiresAt) {
      return db
        .update(missions)
        .set({ leaseExpiresAt: expiresAt })
        .where(and(eq(missions.realmId, realmId), eq(missions.assigneeId, agentId), eq(missions.status, 'active')))
        .run().changes;
    },
    *extendLeases(realmId, expiresAt) {
      return db
        .update(missions)
        .set({ leaseExpiresAt: expiresAt })
        .where(and(eq(missions.realmId, realmId), eq(missions.status, 'active'), isNotNull(missions.leaseExpiresAt)))
        .run().changes;
    },
    *countByStatus() {
      return db
        .select({ status: missions.status, count: count() })
        .from(missions)
        .groupBy(missions.status)
        .all() as { status: Mission['status']; count: number }[];
    },
    *inStatuses(realmId, statuses, limit) {
      return db
        .select()
        .from(missions)
        .where(and(eq(missions.realmId, realmId), inArray(missions.status, [...statuses])))
        .orderBy(asc(missions.priority), asc(missions.createdAt), asc(missions.ord))
        .limit(limit)
        .all()
        .map(missionRecord);
    },
    *assignedTo(realmId, agentId, statuses) {
      return db
        .select()
        .from(missions)
        .where(and(eq(missions.realmId, realmId), eq(missions.assigneeId, agentId), inArray(missions.status, [...statuses])))
        .orderBy(asc(missions.ord))
        .all()
        .map(missionRecord);
    },
  };
}
