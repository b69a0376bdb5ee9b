import { getTableName, is } from 'drizzle-orm';
import { getTableConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { describe, expect, it } from 'vitest';
import * as schema from '../../src/db/schema.js';
import { realmTables } from '../../src/db/sqlite/realm-tables.js';

describe('the per-realm table registry', () => {
  it('lists every table that holds realm data, so delete, export and import cannot forget one', () => {
    const tables = Object.values(schema as Record<string, unknown>).filter((t): t is SQLiteTable => is(t, SQLiteTable));
    const holdingRealmData = tables
      .filter((t) => getTableName(t) === 'realms' || getTableConfig(t).columns.some((c) => c.name === 'realm_id'))
      .map(getTableName);
    expect(realmTables.map((t) => t.name).sort()).toEqual(holdingRealmData.sort());
  });

  it('puts the realm first, so deleting in reverse removes it last', () => {
    expect(realmTables[0]!.name).toBe('realms');
  });
});
