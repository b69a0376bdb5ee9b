// Applies the committed SQLite migrations (drizzle/) under the database's write lock. drizzle's migrator reads
// which migrations were applied before its (deferred) BEGIN: a process that read the journal while another
// was migrating applied the same migrations again once it got the lock (six processes upgrading one file left
// 0010 recorded six times; a data migration such as 0004's money rescale would have run six times). Here the
// journal is read inside BEGIN IMMEDIATE, so a process that waited finds the work done. The files, their
// split into statements and the journal table are drizzle's own (readMigrationFiles, __drizzle_migrations),
// so databases migrated either way stay interchangeable.
import { readMigrationFiles } from 'drizzle-orm/migrator';
import type { Database } from './driver.js';

const JOURNAL = '"__drizzle_migrations"';

/** The created_at of the newest applied migration, or null before the first (or before the journal exists). */
function newestApplied(db: Database): number | null {
  const journal = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'").get();
  if (!journal) return null;
  const newest = db.prepare(`SELECT created_at FROM ${JOURNAL} ORDER BY created_at DESC LIMIT 1`).pluck().get();
  return newest === undefined || newest === null ? null : Number(newest);
}

/** Which migration (its number, as drizzle/ names it) and statement failed, keeping the driver's code. */
function failedMigration(index: number, statement: string, error: unknown): Error {
  const cause = error as { code?: string; message?: string };
  const head = statement.trim().replace(/\s+/g, ' ').slice(0, 120);
  return Object.assign(new Error(`migration ${String(index).padStart(4, '0')} failed: ${cause.message ?? String(error)} (in: ${head})`, { cause: error }), { code: cause.code });
}

/**
 * Applies the migrations of `migrationsFolder` this database lacks, in one IMMEDIATE transaction (it waits
 * for another process's lock as long as the connection's busy_timeout, then fails with SQLITE_BUSY). A
 * database already up to date is only read, without taking the lock.
 */
export function applyMigrations(db: Database, migrationsFolder: string): void {
  const migrations = readMigrationFiles({ migrationsFolder });
  const newest = migrations.at(-1)?.folderMillis ?? 0;
  const before = newestApplied(db);
  if (before !== null && before >= newest) return;
  db.prepare('BEGIN IMMEDIATE').run();
  try {
    // drizzle's table, as its migrator creates it.
    db.exec(`CREATE TABLE IF NOT EXISTS ${JOURNAL} (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)`);
    const record = db.prepare(`INSERT INTO ${JOURNAL} ("hash", "created_at") VALUES (?, ?)`);
    const applied = newestApplied(db);
    migrations.forEach((migration, index) => {
      if (applied !== null && applied >= migration.folderMillis) return;
      // One statement at a time, prepared as drizzle does (a chunk holding two would fail there too).
      for (const statement of migration.sql) {
        try {
          db.prepare(statement).run();
        } catch (error) {
          throw failedMigration(index, statement, error);
        }
      }
      record.run(migration.hash, migration.folderMillis);
    });
    db.prepare('COMMIT').run();
  } catch (error) {
    if (db.inTransaction) db.prepare('ROLLBACK').run();
    throw error;
  }
}
