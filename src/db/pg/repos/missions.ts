import * as sqlite from '../../sqlite/repos/missions.js';
import { and, asc, eq, inArray, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { priorities } from '../../../domain/directive/model.js';
import type { Mission } from '../../../domain/mission/model.js';
import type { MissionRepo, QueueCount } from '../../../domain/store.js';
import { after, type SortColumn } from '../../keyset.js';
import { missions } from '../schema.js';
import { casUpdate, type PgDb, q } from './shared.js';

type Row = typeof missions.$inferSelect;
// The row mappers are the SQLite store's: pure functions of a row with the same fields.
export const missionRecord = (row: Row): Mission => sqlite.missionRecord(row as never);
export const missionRow = sqlite.missionRow;

const order = [{ column: missions.priority }, { column: missions.createdAt }, { column: missions.ord }] satisfies SortColumn[];

/**
 * What the agent can take now (as the SQLite store's takeableWhere). The capability check is one jsonb
 * containment against the agent's capabilities, gathered once (an InitPlan): the sort below reads the top
 * priority's whole queue, and a correlated NOT EXISTS over json_array_elements_text for every mission cost
 * 7.2-7.8 ms a claim at 10,000 queued, against 3.0-3.2 for this.
 */
const takeableWhere = (c: { realmId: string; agentId: string; now: string }) => sql`m.realm_id = ${c.realmId} AND m.status = 'queued' AND m.priority >= 0
        AND (m.retry_at IS NULL OR m.retry_at <= ${c.now})
        AND m.required_capabilities::jsonb <@ (SELECT coalesce(jsonb_agg(n.capability), '[]'::jsonb) FROM node_capabilities n
          WHERE n.realm_id = ${c.realmId} AND n.agent_id = ${c.agentId})
        AND NOT EXISTS (SELECT 1 FROM mission_blockers b JOIN missions bm ON bm.realm_id = b.realm_id AND bm.id = b.blocker_id
          WHERE b.realm_id = m.realm_id AND b.mission_id = m.id AND bm.status <> 'complete')`;
// `::text`: a null region is still a typed parameter (m.region = NULL is null, so such an agent ranks a
// region-less mission first, as in SQLite).
const takeableOrder = (region: string | null) =>
  sql`m.priority, CASE WHEN m.region = ${region}::text THEN 0 WHEN m.region IS NULL THEN 1 ELSE 2 END, m.created_at, m.ord`;

/** Blocked by an incomplete mission (queueCounts' `waiting`). */
const waitingOnBlocker = sql`EXISTS (SELECT 1 FROM mission_blockers b JOIN missions bm ON bm.realm_id = b.realm_id AND bm.id = b.blocker_id
          WHERE b.realm_id = missions.realm_id AND b.mission_id = missions.id AND bm.status <> 'complete')`;

export function missionRepo(db: PgDb): MissionRepo {
  const m = alias(missions, 'm');
  return {
    *takeable(c) {
      const rows = yield* q(db.select().from(m).where(takeableWhere(c)).orderBy(takeableOrder(c.region)).limit(c.limit));
      return rows.map(missionRecord);
    },
    *claimNext(c) {
      // Sorted, unlike the SQLite store's claim (src/db/claim-order.ts): planned anew on every call, that
      // statement's twelve arms cost more here than this sort at the queue sizes bench/pg.mjs measures.
      // One statement: the candidate is chosen, locked and taken. The sub-select is a scalar compared with `=`
      // (PostgreSQL runs it once, as an InitPlan; under IN it may become a join run again, locking more rows
      // than the LIMIT), and SKIP LOCKED passes over the rows other claimers hold instead of queueing behind
      // them. The outer conditions repeat status and assignee: under READ COMMITTED the sub-select may see a
      // row a concurrent claim has just changed, and the UPDATE must then take nothing (null: the caller's
      // next claim finds the next mission).
      const candidate = sql`(SELECT m.ord FROM missions m WHERE ${takeableWhere(c)} ORDER BY ${takeableOrder(c.region)} LIMIT 1 FOR UPDATE OF m SKIP LOCKED)`;
      const rows = yield* q(
        db
          .update(missions)
          .set({
            status: 'active',
            assigneeId: c.agentId,
            startedAt: c.now,
            updatedAt: c.now,
            leaseExpiresAt: c.leaseExpiresAt,
            fence: sql`${missions.fence} + 1`,
            version: sql`${missions.version} + 1`,
          })
          .where(and(eq(missions.ord, candidate), eq(missions.status, 'queued'), isNull(missions.assigneeId)))
          .returning(),
      );
      return rows[0] ? missionRecord(rows[0]) : null;
    },
    *leaseExpired(now, limit) {
      const rows = yield* q(
        db
          .select()
          .from(missions)
          // Only realms that accept changes: a suspended realm's missions wait for it, and must not fill every sweep.
          .where(
            and(
              lt(missions.leaseExpiresAt, now),
              eq(missions.status, 'active'),
              sql`EXISTS (SELECT 1 FROM realms r WHERE r.id = ${missions.realmId} AND r.status = 'active')`,
            ),
          )
          // ord breaks ties as SQLite's walk of missions_lease (lease, then rowid) does.
          .orderBy(asc(missions.leaseExpiresAt), asc(missions.ord))
          .limit(limit),
      );
      return rows.map(missionRecord);
    },
    *queueCounts(realmId, now) {
      const rows = yield* q(
        db
          .select({
            status: missions.status,
            priority: missions.priority,
            retrying: sql<number>`CASE WHEN ${missions.status} = 'queued' AND ${missions.retryAt} > ${now}::text THEN 1 ELSE 0 END`,
            waiting: sql<number>`CASE WHEN ${missions.status} = 'queued' AND ${waitingOnBlocker} THEN 1 ELSE 0 END`,
            // count() is bigint: node-postgres would hand it over as a string.
            count: sql<number>`count(*)::int`,
            oldest: sql<string>`min(${missions.createdAt})`,
          })
          .from(missions)
          .where(and(eq(missions.realmId, realmId), inArray(missions.status, ['queued', 'active', 'failed'])))
          .groupBy(sql`1`, sql`2`, sql`3`, sql`4`)
          // SQLite hands groups out in key order (it sorts to group); PostgreSQL may hash: sorted here.
          .orderBy(sql`1`, sql`2`, sql`3`, sql`4`),
      );
      return rows.map((r) => ({
        status: r.status,
        priority: priorities[r.priority],
        retrying: r.retrying === 1,
        waiting: r.waiting === 1,
        count: r.count,
        oldest: r.oldest,
      })) as QueueCount[];
    },
    *get(realmId, id) {
      const rows = yield* q(db.select().from(missions).where(and(eq(missions.realmId, realmId), eq(missions.id, id))));
      return rows[0] ? missionRecord(rows[0]) : null;
    },
    *insert(mission) {
      yield* q(db.insert(missions).values(missionRow(mission)));
    },
    *update(realmId, id, version, patch) {
      const stored = patch.priority === undefined ? patch : { ...patch, priority: priorities.indexOf(patch.priority) };
      const row = yield* casUpdate<Row>(db, missions, { realmId, id }, version, stored);
      return row ? missionRecord(row) : null;
    },
    *page(realmId, query) {
      const rows = yield* q(
        db
          .select()
          .from(missions)
          .where(
            and(
              eq(missions.realmId, realmId),
              query.status ? eq(missions.status, query.status) : undefined,
              query.assigneeId ? eq(missions.assigneeId, query.assigneeId) : undefined,
              query.directiveId ? eq(missions.directiveId, query.directiveId) : undefined,
              query.priority ? eq(missions.priority, priorities.indexOf(query.priority)) : undefined,
              after(order, query.after),
            ),
          )
          .orderBy(asc(missions.priority), asc(missions.createdAt), asc(missions.ord))
          .limit(query.limit),
      );
      return rows.map((row) => ({ record: missionRecord(row), key: [row.priority, row.createdAt, row.ord] }));
    },
    *renewLeases(realmId, agentId, expiresAt) {
      const result = yield* q(
        db
          .update(missions)
          .set({ leaseExpiresAt: expiresAt })
          .where(and(eq(missions.realmId, realmId), eq(missions.assigneeId, agentId), eq(missions.status, 'active'))),
      );
      return result.rowCount ?? 0;
    },
    *extendLeases(realmId, expiresAt) {
      const result = yield* q(
        db
          .update(missions)
          .set({ leaseExpiresAt: expiresAt })
          .where(and(eq(missions.realmId, realmId), eq(missions.status, 'active'), isNotNull(missions.leaseExpiresAt))),
      );
      return result.rowCount ?? 0;
    },
    *countByStatus() {
      const rows = yield* q(
        db
          .select({ status: missions.status, count: sql<number>`count(*)::int` })
          .from(missions)
          .groupBy(missions.status)
          .orderBy(asc(missions.status)),
      );
      return rows as { status: Mission['status']; count: number }[];
    },
    *inStatuses(realmId, statuses, limit) {
      const rows = yield* q(
        db
          .select()
          .from(missions)
          .where(and(eq(missions.realmId, realmId), inArray(missions.status, [...statuses])))
          .orderBy(asc(missions.priority), asc(missions.createdAt), asc(missions.ord))
          .limit(limit),
      );
      return rows.map(missionRecord);
    },
    *assignedTo(realmId, agentId, statuses) {
      const rows = yield* q(
        db
          .select()
          .from(missions)
          .where(and(eq(missions.realmId, realmId), eq(missions.assigneeId, agentId), inArray(missions.status, [...statuses])))
          .orderBy(asc(missions.ord)),
      );
      return rows.map(missionRecord);
    },
  };
}
