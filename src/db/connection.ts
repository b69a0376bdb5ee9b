import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

// Committed migrations, found from both src/ (tests) and dist/ (the built server): both sit two levels down.
const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

export function openDatabase(path: string): Database.Database {
  if (path !== ':memory:' && !path.startsWith('file:')) mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  // busy_timeout first: it makes this connection wait for another process (even for the WAL switch below)
  // instead of failing. WAL lets readers run beside the one writer. NORMAL is set explicitly because the
  // connection that switches a file to WAL would otherwise keep FULL.
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  return db;
}

/**
 * Applies the committed migrations. drizzle reads the last applied migration before its own (deferred) BEGIN,
 * so two processes starting on a fresh file can both try to apply the same one; the loser fails on an existing
 * table, and running migrate again then finds nothing left to do.
 */
export function migrateDatabase(db: Database.Database, attempts = 5): void {
  for (let attempt = 1; ; attempt++) {
    try {
      migrate(drizzle(db), { migrationsFolder });
      return;
    } catch (error) {
      if (attempt >= attempts) throw error;
    }
  }
}
