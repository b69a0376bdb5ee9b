// A realm's data on PostgreSQL, table by table from the registry (src/db/pg/realm-tables.ts), as the SQLite
// store's realm-data.ts: dump a section in insertion order, load it (then rebuild what derives from it), delete
// every row of the realm children first and the realm row last, counting per table.
import { asc, eq } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { RealmDataRepo } from '../../../domain/store.js';
import { inRealm } from '../../in-realm.js';
import { realmTables, type RealmTable } from '../realm-tables.js';
import { type PgDb, q } from './shared.js';

/** Rows per INSERT when loading: one round trip each, well under PostgreSQL's 65,535 parameters per statement. */
const LOAD_BATCH = 200;

export function realmDataRepo(db: PgDb): RealmDataRepo {
  const bySection = new Map(realmTables.filter((t) => t.section).map((t) => [t.section!, t]));
  const section = (name: string): RealmTable => {
    const entry = bySection.get(name);
    if (!entry) throw new Error(`no table holds the section ${name}`);
    return entry;
  };
  return {
    sections: () => [...bySection.keys()],
    *dump(realmId, name) {
      const t = section(name);
      const ordColumn = (t.table as unknown as { ord: PgColumn }).ord;
      const rows = yield* q(db.select().from(t.table).where(eq(t.realmColumn, realmId)).orderBy(asc(ordColumn)));
      return rows.map((row) => t.toRecord!(row as never));
    },
    *load(realmId, name, records) {
      const t = section(name);
      const own = inRealm(t.table, t.realmColumn, realmId);
      const rows = records.map((record) => own(t.toRow!(record as never)));
      // Several rows per statement (SQLite inserts one at a time, at no round-trip cost); identity values are
      // taken in the order of the VALUES list, so the loaded rows keep the order of the records.
      for (let i = 0; i < rows.length; i += LOAD_BATCH) yield* q(db.insert(t.table).values(rows.slice(i, i + LOAD_BATCH) as never));
      if (t.afterLoad) yield* t.afterLoad(db, realmId);
    },
    *deleteAll(realmId) {
      const counts: Record<string, number> = {};
      // Children first, the realm row last.
      for (const t of [...realmTables].reverse()) {
        const result = yield* q(db.delete(t.table).where(eq(t.realmColumn, realmId)));
        counts[t.name] = result.rowCount ?? 0;
      }
      return counts;
    },
  };
}
