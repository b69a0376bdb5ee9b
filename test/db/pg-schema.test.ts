import { getTableName, is } from 'drizzle-orm';
import { getTableConfig as pgConfig, PgTable } from 'drizzle-orm/pg-core';
import { getTableConfig as sqliteConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { describe, expect, it } from 'vitest';
import * as pg from '../../src/db/pg/schema.js';
import * as sqlite from '../../src/db/schema.js';

// The shape both engines must share, read from drizzle's own table configs: what a store may rely on.
interface Shape {
  columns: string[];
  notNull: string[];
  primaryKey: string[];
  withDefault: string[];
  /** Column-level UNIQUE (`.unique()`), by column. */
  unique: string[];
  /** Declared indexes: name, unique or not, partial or not. */
  indexes: string[];
}

type Config = ReturnType<typeof sqliteConfig> | ReturnType<typeof pgConfig>;
const shape = (config: Config): Shape => ({
  columns: config.columns.map((c) => c.name).sort(),
  notNull: config.columns.filter((c) => c.notNull).map((c) => c.name).sort(),
  primaryKey: config.columns.filter((c) => c.primary).map((c) => c.name).sort(),
  withDefault: config.columns.filter((c) => c.hasDefault).map((c) => c.name).sort(),
  unique: config.columns.filter((c) => c.isUnique).map((c) => c.name).sort(),
  indexes: config.indexes
    .map((i) => `${i.config.name}${i.config.unique ? ' unique' : ''}${i.config.where ? ' partial' : ''}`)
    .sort(),
});

const shapes = (tables: Record<string, Shape>) => Object.fromEntries(Object.entries(tables).sort(([a], [b]) => a.localeCompare(b)));
const sqliteShapes = shapes(
  Object.fromEntries(
    Object.values(sqlite as Record<string, unknown>)
      .filter((t): t is SQLiteTable => is(t, SQLiteTable))
      .map((t) => [getTableName(t), shape(sqliteConfig(t))]),
  ),
);
const pgShapes = shapes(
  Object.fromEntries(
    Object.values(pg as Record<string, unknown>)
      .filter((t): t is PgTable => is(t, PgTable))
      .map((t) => [getTableName(t), shape(pgConfig(t))]),
  ),
);

describe('the PostgreSQL schema', () => {
  it('has the same tables as the SQLite schema', () => {
    expect(Object.keys(pgShapes)).toEqual(Object.keys(sqliteShapes));
    expect(Object.keys(pgShapes).length).toBeGreaterThan(20);
  });

  it.each(Object.keys(sqliteShapes))('mirrors %s: columns, nullability, keys, defaults and index names', (table) => {
    expect(pgShapes[table]).toEqual(sqliteShapes[table]);
  });

  it('keeps the hashed audit body and the change payload as text, never json or jsonb', () => {
    const types = (t: PgTable) => Object.fromEntries(pgConfig(t).columns.map((c) => [c.name, c.getSQLType()]));
    expect(types(pg.auditEntries).details).toBe('text COLLATE "C"');
    expect(types(pg.auditArchive).details).toBe('text COLLATE "C"');
    expect(types(pg.changes).payload).toBe('text COLLATE "C"');
    const everyType = Object.values(pg as Record<string, unknown>)
      .filter((t): t is PgTable => is(t, PgTable))
      .flatMap((t) => Object.values(types(t)));
    expect(everyType).not.toContain('jsonb');
    // SQLite REAL is 8 bytes: PostgreSQL's 4-byte `real` would round stored values.
    expect(everyType).not.toContain('real');
  });

  it('compares every text column byte by byte (COLLATE "C"), as SQLite does, whatever the database locale', () => {
    const textTypes = Object.values(pg as Record<string, unknown>)
      .filter((t): t is PgTable => is(t, PgTable))
      .flatMap((t) => pgConfig(t).columns.map((c) => c.getSQLType()))
      .filter((type) => type.startsWith('text'));
    expect(textTypes.length).toBeGreaterThan(100);
    expect(new Set(textTypes)).toEqual(new Set(['text COLLATE "C"']));
  });
});
