import { describe, expect, it } from 'vitest';
import { migrateDatabase, openDatabase } from '../../src/db/connection.js';
import { databaseBefore } from '../helpers/migrations.js';
import { migrationCount, tempDb } from '../helpers/processes.js';

describe('database connections', () => {
  it('set WAL, synchronous NORMAL, a busy timeout, foreign keys and temporary data in memory on every connection', () => {
    const path = tempDb();
    for (const { db } of [openDatabase(path), openDatabase(path)]) {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(1);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('temp_store', { simple: true })).toBe(2);
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

  it('scale money stored in hundredths of a cent to ten-thousandths, once', async () => {
    // A database as the version before the change left it: the first four migrations applied.
    const db = databaseBefore('0004');
    db.exec(`INSERT INTO spend (id, realm_id, agent_id, cost_units, provider, model, input_tokens, output_tokens, timestamp)
             VALUES ('spn-1', 'realm-1', 'a', 425, 'p', 'm', 0, 0, '2026-11-01T00:00:00.000Z')`);
    db.exec(`INSERT INTO spend_totals (realm_id, agent_id, period, units) VALUES ('realm-1', 'a', '2026-11', 425)`);
    migrateDatabase(db);
    migrateDatabase(db);
    expect(db.prepare('SELECT cost_units AS units FROM spend').get()).toEqual({ units: 42_500 });
    expect(db.prepare('SELECT units FROM spend_totals').get()).toEqual({ units: 42_500 });
    db.close();
  });
});
