// Checks a database path before anything opens it, so that every way it can be wrong gets one line a person can
// act on, and so that a file of another application is refused without a single byte of it changing (opening
// it for writing would already switch its journal mode).
import { Database } from './sqlite/driver.js';
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { StartupError } from '../startup-error.js';

/** Our mark in the SQLite header (PRAGMA application_id): "CPMC". */
export const APPLICATION_ID = 0x43504d43;

/** Tables that only a control-plane database has: a file without our mark but with these is ours from before the mark. */
const OUR_TABLES = ['__drizzle_migrations', 'realms', 'audit_entries'];

const SQLITE_MAGIC = 'SQLite format 3\u0000';

const codeOf = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code ?? 'unknown error';

function can(path: string, mode: number) {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}

function header(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(100);
    const read = readSync(fd, buffer, 0, 100, 0);
    return buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

/** SQLite errors that mean the file's content is damaged rather than unreachable. */
export const isCorruption = (error: unknown) => ['SQLITE_CORRUPT', 'SQLITE_NOTADB'].includes(codeOf(error));

export const corrupt = (path: string, error: unknown) =>
  new StartupError(`the database ${path} is damaged (${(error as Error).message}); restore it from a backup, or recover what is left with: sqlite3 ${path} .recover`, { cause: error });

/**
 * Opens a database read-only. A WAL database in a directory we cannot write cannot be opened in place when its
 * -shm file is missing (SQLite must create it); then, if nothing waits in a -wal file, the file is read whole
 * into memory instead: a snapshot that does not see later writes by other processes.
 */
export function openReadOnly(path: string): { db: Database; snapshot: boolean } {
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      db.prepare('SELECT count(*) FROM sqlite_master').get();
      return { db, snapshot: false };
    } catch (error) {
      db.close();
      throw error;
    }
  } catch (error) {
    const unreachable = ['SQLITE_READONLY_DIRECTORY', 'SQLITE_CANTOPEN'].includes(codeOf(error));
    if (!unreachable || existsSync(`${path}-wal`)) throw error;
    const image = readFileSync(path);
    // The header's file-format bytes say WAL (2); an in-memory image must say rollback journal (1).
    if (image.length >= 20) image[18] = image[19] = 1;
    return { db: new Database(image, { readonly: true }), snapshot: true };
  }
}

/** Refuses a database path that cannot work, with a reason a person can act on. Never writes to an existing file. */
export function preflight(path: string, readOnly: boolean): void {
  let stat;
  try {
    stat = statSync(path);
  } catch (error) {
    if (codeOf(error) === 'ENOTDIR') throw new StartupError(`the database path ${path} runs through a file; give --db a path whose parents are directories`, { cause: error });
    if (codeOf(error) !== 'ENOENT') throw new StartupError(`cannot reach the database ${path} (${codeOf(error)}); check the --db path and its permissions`, { cause: error });
  }
  if (stat?.isDirectory()) {
    throw new StartupError(`the database ${path} is a directory; give --db a file path, for example ${join(path, 'control-plane.db')}`);
  }
  if (!stat) {
    if (readOnly) throw new StartupError(`the database ${path} does not exist, and --read-only cannot create it; start once without --read-only, or fix the --db path`);
    const dir = dirname(path);
    try {
      mkdirSync(dir, { recursive: true });
    } catch (error) {
      throw new StartupError(`cannot create the directory ${dir} for the database (${codeOf(error)}); choose another --db path`, { cause: error });
    }
    if (!can(dir, constants.W_OK)) throw new StartupError(`cannot create the database ${path}: the directory ${dir} is not writable by this user; choose another --db path or fix the directory's permissions`);
    return;
  }
  if (!stat.isFile()) throw new StartupError(`the database ${path} is not a regular file; give --db a file path`);
  if (!can(path, constants.R_OK)) throw new StartupError(`the database ${path} is not readable by this user; fix its permissions or choose another --db path`);
  if (!readOnly) {
    if (!can(path, constants.W_OK)) throw new StartupError(`the database ${path} is not writable by this user; fix its permissions, or serve it read-only with --read-only`);
    if (!can(dirname(path), constants.W_OK)) {
      throw new StartupError(`the directory of the database ${path} is not writable by this user (SQLite keeps its -wal and -shm files beside the database); fix its permissions, or use --read-only`);
    }
  }
  if (stat.size === 0) return; // an empty file becomes a new database
  const head = header(path);
  if (head.length < 100 || head.toString('latin1', 0, 16) !== SQLITE_MAGIC) {
    throw new StartupError(`the file ${path} is not a SQLite database; point --db at a control-plane database or at a new file`);
  }
  const applicationId = head.readUInt32BE(68);
  if (applicationId === APPLICATION_ID) return;
  if (applicationId !== 0) {
    throw new StartupError(`the database ${path} belongs to another application (application_id 0x${applicationId.toString(16)}); control-plane-mcp leaves it untouched: choose another --db path`);
  }
  // No mark: an empty database is ours to take; one with our tables is ours from before the mark.
  let tables: string[];
  try {
    const { db } = openReadOnly(path);
    try {
      tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
    } finally {
      db.close();
    }
  } catch (error) {
    if (isCorruption(error)) throw corrupt(path, error);
    throw new StartupError(`cannot read the database ${path} (${(error as Error).message}); check the --db path and its permissions`, { cause: error });
  }
  // Another of our processes may be creating it right now: drizzle's table comes first, ours in one transaction.
  if (tables.every((t) => t === '__drizzle_migrations') || OUR_TABLES.every((t) => tables.includes(t))) return;
  const shown = tables.slice(0, 5).join(', ') + (tables.length > 5 ? ', ...' : '');
  throw new StartupError(`the database ${path} belongs to another application (tables ${shown}, and no control-plane mark); control-plane-mcp leaves it untouched: choose another --db path`);
}
