import { Database } from './sqlite/driver.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { StartupError } from '../startup-error.js';
import { applyMigrations } from './sqlite/migrate.js';
import { APPLICATION_ID, corrupt, isCorruption, openReadOnly, preflight } from './preflight.js';

// Committed migrations, found from both src/ (tests) and dist/ (the built server): both sit two levels down.
const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));
const committedMigrations = () =>
  (JSON.parse(readFileSync(`${migrationsFolder}/meta/_journal.json`, 'utf8')) as { entries: unknown[] }).entries.length;

export interface OpenedDatabase {
  db: Database;
  /** Read whole into memory (a read-only database in a directory we cannot write): later writes are not seen. */
  snapshot: boolean;
}

/**
 * Opens the database at `path` (":memory:" for a private one) after the checks of preflight. A writable
 * connection is set up for several processes; a read-only one never writes, not even the journal mode.
 */
export function openDatabase(path: string, options: { readOnly?: boolean } = {}): OpenedDatabase {
  const memory = path === ':memory:';
  if (!memory) preflight(path, options.readOnly ?? false);
  try {
    if (options.readOnly && !memory) {
      const opened = openReadOnly(path);
      opened.db.pragma('busy_timeout = 5000');
      return opened;
    }
    const db = new Database(path);
    // busy_timeout first: it makes this connection wait for another process (even for the WAL switch below)
    // instead of failing. WAL lets readers run beside the one writer. NORMAL is set explicitly because the
    // connection that switches a file to WAL would otherwise keep FULL.
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // Statement journals (a write's savepoint) and temporary b-trees stay in memory. With the default, a
    // journal past 64 KiB (about 16 pages: one mission_create touches 15) spilled to a file created and
    // deleted in /var/tmp on every write, five system calls and ten page writes more each time.
    db.pragma('temp_store = MEMORY');
    // preflight found the file new or ours: mark it, so that no other application's file is ever mistaken for it.
    if (!memory && db.pragma('application_id', { simple: true }) !== APPLICATION_ID) db.pragma(`application_id = ${APPLICATION_ID}`);
    return { db, snapshot: false };
  } catch (error) {
    if (isCorruption(error)) throw corrupt(path, error);
    throw error;
  }
}

/** How long a process starting beside others waits for their migrations before giving up. */
const MIGRATION_WAIT_MS = 30_000;

/** Another process holds the write lock (migrating, or serving) past the connection's busy_timeout. */
const busy = (error: unknown) => (error as { code?: string } | null)?.code?.startsWith('SQLITE_BUSY') ?? false;

/**
 * Applies the committed migrations (src/db/sqlite/migrate.ts: under the write lock, so that processes
 * starting together apply each migration once). A process that waited out its busy_timeout behind another's
 * long migration tries again after a short, random pause, until 30 s have passed (so at most 30 s plus one
 * busy_timeout in all). Anything else fails at once.
 */
export function migrateDatabase(db: Database, waitMs = MIGRATION_WAIT_MS): void {
  const deadline = Date.now() + waitMs;
  for (let attempt = 1; ; attempt++) {
    try {
      applyMigrations(db, migrationsFolder);
      return;
    } catch (error) {
      if (isCorruption(error)) throw corrupt(db.name, error);
      if (!busy(error) || Date.now() >= deadline) throw error;
      // Start-up is synchronous here (nothing else to serve yet): a blocking pause is fine.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10 + Math.random() * 40 * Math.min(attempt, 5));
    }
  }
}

/** How many of this build's migrations the database has (distinct: an older build's migrator could record one twice). */
export function migrationState(db: Database): { applied: number; expected: number } {
  let applied = 0;
  try {
    applied = (db.prepare('SELECT count(DISTINCT created_at) AS n FROM __drizzle_migrations').get() as { n: number }).n;
  } catch {
    // No migrations table: a new, empty database.
  }
  return { applied, expected: committedMigrations() };
}

/** A read-only process cannot migrate: the database must already be at this build's schema. */
export function requireMigrated(db: Database): void {
  const { applied, expected } = migrationState(db);
  if (applied < expected) {
    throw new StartupError(`the database ${db.name} has ${applied} of this version's ${expected} migrations, and --read-only cannot apply them; start once without --read-only to upgrade it`);
  }
}
