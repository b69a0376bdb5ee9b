import { and, desc, eq, sql } from 'drizzle-orm';
import * as sqlite from '../../sqlite/repos/realms.js';
import type { Realm } from '../../../domain/realm/model.js';
import type { RealmRepo } from '../../../domain/store.js';
import { after, type SortColumn } from '../../keyset.js';
import { realms } from '../schema.js';
import { named, selectList } from './named.js';
import { casUpdate, type PgDb, q } from './shared.js';

type Row = typeof realms.$inferSelect;
// The row mappers are the SQLite store's: pure functions of a row with the same fields.
export const realmRecord = (row: Row): Realm => sqlite.realmRecord(row as never);
export const realmRow = sqlite.realmRow;

// Most tool calls read their realm first: a named statement (ord included, as realmRecord drops it).
const byId = { name: 'realms_by_id', text: 'SELECT r.ord, ' + selectList(realms, 'r') + ' FROM realms r WHERE r.id = $1' };

const newestFirst: SortColumn[] = [{ column: realms.ord, desc: true }];

type Area = 'nodes' | 'directives' | 'missions' | 'proposals';
const areas: readonly Area[] = ['nodes', 'directives', 'missions', 'proposals'];

// Every area's rows per status in one round trip (each branch by its table's realm index); count(*) is int8,
// which node-postgres would hand over as a string: cast to int.
const statusCountsSql = (realmId: string) =>
  sql.join(
    areas.map((area) => sql`SELECT ${area}::text AS area, status, count(*)::int AS n FROM ${sql.identifier(area)} WHERE realm_id = ${realmId} GROUP BY status`),
    sql` UNION ALL `,
  );

export function realmRepo(db: PgDb): RealmRepo {
  return {
    *get(id) {
      const [row] = yield* named<Row>(db, byId, [id]);
      return row ? realmRecord(row) : null;
    },
    *insert(realm) {
      yield* q(db.insert(realms).values(realmRow(realm)));
    },
    *update(id, version, patch) {
      const row = yield* casUpdate<Row>(db, realms, { id }, version, patch);
      return row ? realmRecord(row) : null;
    },
    *page({ status, after: key, limit }) {
      const rows = yield* q(
        db
          .select()
          .from(realms)
          .where(and(status ? eq(realms.status, status) : undefined, after(newestFirst, key)))
          .orderBy(desc(realms.ord))
          .limit(limit),
      );
      return rows.map((row) => ({ record: realmRecord(row), key: [row.ord] }));
    },
    *lock(id) {
      yield* q(db.select({ id: realms.id }).from(realms).where(eq(realms.id, id)).for('update'));
    },
    *statusCounts(realmId) {
      const { rows } = yield* q(db.execute<{ area: Area; status: string; n: number }>(statusCountsSql(realmId)));
      const counts = Object.fromEntries(areas.map((area) => [area, {} as Record<string, number>])) as Record<Area, Record<string, number>>;
      for (const { area, status, n } of rows) counts[area][status] = n;
      return counts;
    },
  };
}
