import { asc, eq } from 'drizzle-orm';
import type { RealmDataRepo } from '../../../domain/store.js';
import { inRealm } from '../../in-realm.js';
import { realmTables, type RealmTable } from '../realm-tables.js';
import type { Db } from './shared.js';

export function realmDataRepo(db: Db): RealmDataRepo {
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
      const ordColumn = (t.table as unknown as { ord: Parameters<typeof asc>[0] }).ord;
      const rows = db.select().from(t.table).where(eq(t.realmColumn, realmId)).orderBy(asc(ordColumn)).all();
      return rows.map((row) => t.toRecord!(row as never));
    },
    *load(realmId, name, records) {
      const t = section(name);
      const own = inRealm(t.table, t.realmColumn, realmId);
      for (const record of records) db.insert(t.table).values(own(t.toRow!(record as never)) as never).run();
      t.afterLoad?.(db, realmId);
    },
    *deleteAll(realmId) {
      const counts: Record<string, number> = {};
      // Children first, the realm row last.
      for (const t of [...realmTables].reverse()) {
        counts[t.name] = db.delete(t.table).where(eq(t.realmColumn, realmId)).run().changes;
      }
      return counts;
    },
  };
}
