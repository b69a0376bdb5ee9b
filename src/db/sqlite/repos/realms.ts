import { and, count, desc, eq } from 'drizzle-orm';
import { defaultFleetSettings, type FleetSettingsInput, mergeFleetSettings } from '../../../domain/fleet/settings.js';
import type { Realm } from '../../../domain/realm/model.js';
import type { RealmRepo } from '../../../domain/store.js';
import { directives, missions, nodes, proposals, realms } from '../../schema.js';
import { after, type SortColumn } from '../../keyset.js';
import { casUpdate, type Db, preparedInsert, recordByKey, withoutOrd } from './shared.js';

type Row = typeof realms.$inferSelect;
/** A realm as stored, with its fleet settings merged over the defaults (null: every default). */
const realmOf = (record: Omit<Row, 'ord'>) => ({ ...record, fleet: mergeFleetSettings(defaultFleetSettings, record.fleet as FleetSettingsInput | null) }) as Realm;
export const realmRecord = (row: Row) => realmOf(withoutOrd(row));
export const realmRow = (realm: Realm) => realm;

const newestFirst: SortColumn[] = [{ column: realms.ord, desc: true }];

export function realmRepo(db: Db): RealmRepo {
  const insert = preparedInsert(db, realms);
  // Every call naming a realm reads it first.
  const byId = recordByKey<Omit<Row, 'ord'>>(db, realms, ['id']);
  return {
    *get(id) {
      const record = byId(id);
      return record ? realmOf(record) : null;
    },
    *insert(realm) {
      insert(realmRow(realm));
    },
    *update(id, version, patch) {
      const row = casUpdate<Row>(db, realms, { id }, version, patch);
      return row ? realmRecord(row) : null;
    },
    *page({ status, after: key, limit }) {
      const rows = db
        .select()
        .from(realms)
        .where(and(status ? eq(realms.status, status) : undefined, after(newestFirst, key)))
        .orderBy(desc(realms.ord))
        .limit(limit)
        .all();
      return rows.map((row) => ({ record: realmRecord(row), key: [row.ord] }));
    },
    *lock() {
      // One writer at a time already: nothing to hold.
    },
    *statusCounts(realmId) {
      const by = (table: typeof nodes | typeof directives | typeof missions | typeof proposals) =>
        Object.fromEntries(
          db.select({ status: table.status, n: count() }).from(table).where(eq(table.realmId, realmId)).groupBy(table.status).all().map((r) => [r.status, r.n]),
        );
      return { nodes: by(nodes), directives: by(directives), missions: by(missions), proposals: by(proposals) };
    },
  };
}
