import { getTableColumns, getTableName, is } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { type SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { describe, expect, it } from 'vitest';
import { migrateDatabase, openDatabase } from '../../src/db/connection.js';
import * as schema from '../../src/db/schema.js';
import { rawColumns, recordsOf, withoutOrd } from '../../src/db/sqlite/repos/shared.js';
import { tempDb } from '../helpers/processes.js';

const tables = Object.values(schema as Record<string, unknown>).filter((t): t is SQLiteTable => is(t, SQLiteTable));

/** Row `n` of a table: a value of each column's kind (a different one per row), or null where allowed on odd rows. */
function rowOf(table: SQLiteTable, n: number) {
  const values: Record<string, unknown> = {
    SQLiteText: `text ${n} "quoted" é`,
    SQLiteTextJson: n % 2 ? ['a', `b${n}`] : { nested: { list: [n, null, true] }, text: 'x' },
    SQLiteInteger: n + 7,
    SQLiteBoolean: n % 2 === 0,
    SQLiteReal: n + 0.25,
  };
  return Object.fromEntries(
    Object.entries(getTableColumns(table) as Record<string, SQLiteColumn>)
      .filter(([field]) => field !== 'ord')
      .map(([field, column]) => {
        if (!(column.columnType in values)) throw new Error(`${getTableName(table)}.${field}: a column type this test does not know (${column.columnType})`);
        return [field, n % 2 && !column.notNull ? null : values[column.columnType]];
      }),
  );
}

describe('raw rows decoded by recordsOf', () => {
  it('equal what drizzle maps, for every table and kind of column, nulls included, from drizzle or from rawColumns', () => {
    const { db: connection } = openDatabase(tempDb());
    migrateDatabase(connection);
    const db = drizzle(connection);
    for (const table of tables) {
      for (let n = 0; n < 4; n++) db.insert(table).values(rowOf(table, n)).run();
      const statement = db.select().from(table).prepare();
      const mapped = (statement.all() as { ord?: number }[]).map((row) => ('ord' in row ? withoutOrd(row as { ord: number }) : row));
      expect(statement.values().map(recordsOf(table)), getTableName(table)).toEqual(mapped);
      // Plain SQL selecting rawColumns lays its rows out the same way.
      const plain = connection.prepare(`SELECT ${rawColumns(table, 't')} FROM "${getTableName(table)}" t ORDER BY t.rowid`).raw(true).all() as unknown[][];
      expect(plain.map(recordsOf(table)), getTableName(table)).toEqual(mapped);
      expect(mapped).toHaveLength(4);
    }
    connection.close();
  });

  it('uses the decoder given for a field instead of the column type', () => {
    const { db: connection } = openDatabase(tempDb());
    migrateDatabase(connection);
    const db = drizzle(connection);
    db.insert(schema.missions).values({ ...rowOf(schema.missions, 0), priority: 2 } as typeof schema.missions.$inferInsert).run();
    const [record] = db.select().from(schema.missions).prepare().values().map(recordsOf<{ priority: string }>(schema.missions, { priority: (n: number) => `rank ${n}` }));
    expect(record!.priority).toBe('rank 2');
    connection.close();
  });
});
