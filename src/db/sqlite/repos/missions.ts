import { and, asc, count, eq, inArray, sql } from 'drizzle-orm';
import { priorities } from '../../../domain/directive/model.js';
import type { Mission } from '../../../domain/mission/model.js';
import type { MissionRepo, SortKey } from '../../../domain/store.js';
import { missions } from '../../schema.js';
import { after, type SortColumn } from '../keyset.js';
import { casUpdate, type Db, preparedByShape, preparedInsert, withoutOrd } from './shared.js';

type Row = typeof missions.$inferSelect;
export const missionRecord = (row: Row) => ({ ...withoutOrd(row), priority: priorities[row.priority] }) as Mission;
export const missionRow = (m: Mission) => ({ ...m, priority: priorities.indexOf(m.priority) });

const order: SortColumn[] = [{ column: missions.priority }, { column: missions.createdAt }, { column: missions.ord }];

export function missionRepo(db: Db): MissionRepo {
  const insert = preparedInsert(db, missions);
  // The checkout path reads one mission by id: prepared once.
  const one = db
    .select()
    .from(missions)
    .where(and(eq(missions.realmId, sql.placeholder('realmId')), eq(missions.id, sql.placeholder('id'))))
    .prepare();
  const filter = (present: (name: string) => boolean, name: 'status' | 'assigneeId' | 'directiveId' | 'priority') =>
    present(name) ? eq(missions[name], sql.placeholder(name)) : undefined;
  const pageStatement = preparedByShape((present) =>
    db
      .select()
      .from(missions)
      .where(
        and(
          eq(missions.realmId, sql.placeholder('realmId')),
          filter(present, 'status'),
          filter(present, 'assigneeId'),
          filter(present, 'directiveId'),
          filter(present, 'priority'),
          // A keyset page: the key's three values as placeholders (placeholders stand in for values here).
          present('k0') ? after(order, ['k0', 'k1', 'k2'].map((k) => sql.placeholder(k)) as unknown as SortKey) : undefined,
        ),
      )
      .orderBy(asc(missions.priority), asc(missions.createdAt), asc(missions.ord))
      .limit(sql.placeholder('limit'))
      .prepare(),
  );
  return {
    *get(realmId, id) {
      const row = one.get({ realmId, id });
      return row ? missionRecord(row) : null;
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
      const [k0, k1, k2] = q.after ?? [];
      const values = {
        realmId, limit: q.limit, k0, k1, k2,
        status: q.status, assigneeId: q.assigneeId, directiveId: q.directiveId,
        priority: q.priority ? priorities.indexOf(q.priority) : undefined,
      };
      const rows = pageStatement(values).all(values) as Row[];
      return rows.map((row) => ({ record: missionRecord(row), key: [row.priority, row.createdAt, row.ord] }));
    },
    *renewLeases(realmId, agentId, expiresAt) {
      return db
        .update(missions)
        .set({ leaseExpiresAt: expiresAt })
        .where(and(eq(missions.realmId, realmId), eq(missions.assigneeId, agentId), eq(missions.status, 'active')))
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
