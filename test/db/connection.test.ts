import { appendFileSync, cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { migrateDatabase, openDatabase } from '../../src/db/connection.js';
import { applyMigrations } from '../../src/db/sqlite/migrate.js';
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

  it('roll a failing migration back whole, naming it and its statement, and keep the connection usable', () => {
    // The committed migrations with a failing statement added to the last one.
    const folder = mkdtempSync(join(tmpdir(), 'cp-bad-migrations-'));
    cpSync(fileURLToPath(new URL('../../drizzle', import.meta.url)), folder, { recursive: true });
    const last = (JSON.parse(readFileSync(join(folder, 'meta/_journal.json'), 'utf8')) as { entries: { tag: string }[] }).entries.at(-1)!.tag;
    appendFileSync(join(folder, `${last}.sql`), '--> statement-breakpoint\nUPDATE no_such_table SET x = 1;');
    const { db } = openDatabase(tempDb());
    expect(() => applyMigrations(db, folder)).toThrow(new RegExp(`^migration ${last.slice(0, 4)} failed: no such table: no_such_table \\(in: UPDATE no_such_table`));
    expect(db.inTransaction).toBe(false);
    // Nothing of any migration stayed, not even the journal.
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").pluck().get()).toBe(0);
    migrateDatabase(db);
    expect(db.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get()).toEqual({ n: migrationCount });
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
