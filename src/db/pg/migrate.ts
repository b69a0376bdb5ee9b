// Applies the committed PostgreSQL migrations (drizzle-pg/) at start-up. drizzle's migrate() takes no lock:
// two instances starting together on a new database would both run CREATE SCHEMA/TABLE IF NOT EXISTS (which
// race in PostgreSQL's catalogs) and both apply the same migration. So the whole migrate runs on one
// dedicated connection holding a session-level advisory lock; the others wait for it, then find nothing to do.
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

// Found from both src/ (tests) and dist/ (the built server): both sit three levels down.
export const pgMigrationsFolder = fileURLToPath(new URL('../../../drizzle-pg', import.meta.url));

/** The advisory lock's key, a fixed 64-bit number named by text, so anyone can find it in pg_locks. */
export const MIGRATION_LOCK = 'control-plane-mcp:migrate';

/** How many migrations this build carries: a database must have applied exactly these. */
export const committedPgMigrations = () =>
  (JSON.parse(readFileSync(`${pgMigrationsFolder}/meta/_journal.json`, 'utf8')) as { entries: unknown[] }).entries.length;

/**
 * Applies the migrations this database lacks. Waits while another instance migrates (the lock is released
 * when that instance finishes or its connection dies), then applies nothing it has already applied.
 */
export async function migratePostgres(connectionString: string): Promise<void> {
  // No statement timeout here: a migration may legitimately run long, and waiting for the lock is the point.
  const client = new pg.Client({ connectionString, application_name: 'control-plane-mcp migrate' });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [MIGRATION_LOCK]);
    // drizzle's transaction on a single Client runs BEGIN/COMMIT on this same connection, under the lock.
    await migrate(drizzle(client), { migrationsFolder: pgMigrationsFolder });
    // Unlocked explicitly; ending the session would release it too, even if this process dies mid-migration.
    await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [MIGRATION_LOCK]);
  } finally {
    await client.end();
  }
}
