import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../../src/db/connection.js';
import { tempDb } from './processes.js';

/**
 * A new database as an older version left it: only the committed migrations whose tag sorts before `tag`
 * applied (a copy of drizzle/ with a shortened journal), ready for rows in the old layout and then
 * migrateDatabase.
 */
export function databaseBefore(tag: string) {
  const old = mkdtempSync(join(tmpdir(), 'cp-old-migrations-'));
  cpSync(fileURLToPath(new URL('../../drizzle', import.meta.url)), old, { recursive: true });
  const journal = JSON.parse(readFileSync(join(old, 'meta/_journal.json'), 'utf8')) as { entries: { tag: string }[] };
  journal.entries = journal.entries.filter((e) => e.tag < tag);
  writeFileSync(join(old, 'meta/_journal.json'), JSON.stringify(journal));
  const { db } = openDatabase(tempDb());
  migrate(drizzle(db), { migrationsFolder: old });
  return db;
}
