import { describe, expect, it } from 'vitest';
import { migrateDatabase, openDatabase } from '../../src/db/connection.js';
import { migrationCount, tempDb } from '../helpers/processes.js';

describe('database connections', () => {
  it('set WAL, synchronous NORMAL, a busy timeout and foreign keys on every connection', () => {
    const path = tempDb();
    for (const { db } of [openDatabase(path), openDatabase(path)]) {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(1);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      db.close();
    }
  });

  it('apply migrations once, and again as a no-op', () => {
    const { db } = openDatabase(tempDb());
    migrateDatabase(db);
    migrateDatabase(db);
    expect(db.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get()).toEqual({ n: migrationCount });
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['__drizzle_migrations', 'audit_entries', 'audit_heads', 'changes', 'realms', 'missions', 'budgets', 'spend', 'spend_totals', 'proposals']));
    db.close();
  });
});
