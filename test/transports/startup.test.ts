import { Database } from '../../src/db/sqlite/driver.js';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APPLICATION_ID } from '../../src/db/preflight.js';
import { version } from '../../src/version.js';
import { spawnServer, tempDb } from '../helpers/processes.js';
import { initialize, rawServer, toolCall } from '../helpers/raw-server.js';

const openDir = () => mkdtempSync(join(tmpdir(), 'cp-start-'));
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Runs the binary and waits for it to end: a start-up refusal exits by itself. It obeys file modes, even as root. */
async function start(args: string[], options: { env?: Record<string, string>; input?: string } = {}) {
  const server = rawServer(args, { env: options.env, obeyPermissions: true });
  server.end(options.input ?? '');
  const { code } = await server.exited;
  return { code, stderr: server.stderr, messages: server.messages };
}

/** A refusal: exit 1, one line on stderr that says `what`, and no stack trace. */
function refused(result: { code: number | null; stderr: string }, what: RegExp) {
  expect(result.code, result.stderr).toBe(1);
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^control-plane-mcp: /);
  expect(lines[0]).toMatch(what);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

/** A database of ours, made by a real server. */
async function ourDatabase(path: string) {
  const s = await spawnServer(path);
  await s.call('realm_create', { name: 'kept', owner: 'o' });
  await s.close();
}

describe('start-up refusals', () => {
  it('a directory given as the database', async () => {
    const dir = openDir();
    refused(await start(['--db', dir]), new RegExp(`the database ${dir} is a directory; give --db a file path`));
  });

  it('a database path under a file', async () => {
    const file = join(openDir(), 'plain.txt');
    writeFileSync(file, 'x');
    refused(await start(['--db', join(file, 'cp.db')]), /the database path .*plain\.txt\/cp\.db runs through a file; give --db a path whose parents are directories/);
  });

  it('a file that is not a SQLite database, left as it was', async () => {
    const file = join(openDir(), 'notes.db');
    writeFileSync(file, 'These are my notes, not a database.\n'.repeat(10));
    const before = sha256(file);
    refused(await start(['--db', file]), /is not a SQLite database; point --db at a control-plane database or at a new file/);
    expect(sha256(file)).toBe(before);
  });

  it("another application's SQLite database, byte for byte unchanged and with no files beside it", async () => {
    const dir = openDir();
    const file = join(dir, 'app.db');
    const other = new Database(file);
    other.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT); INSERT INTO users (email) VALUES ('a@example.com');");
    other.close();
    const before = { hash: sha256(file), mtime: statSync(file).mtimeMs, files: readdirSync(dir) };
    refused(await start(['--db', file]), /belongs to another application \(tables users, and no control-plane mark\)/);
    refused(await start(['--db', file, '--read-only']), /belongs to another application/);
    expect({ hash: sha256(file), mtime: statSync(file).mtimeMs, files: readdirSync(dir) }).toEqual(before);
  });

  it("a SQLite database marked by another application's id", async () => {
    const file = join(openDir(), 'marked.db');
    const other = new Database(file);
    other.pragma('application_id = 1234');
    other.exec('CREATE TABLE t (x)');
    other.close();
    const before = sha256(file);
    refused(await start(['--db', file]), /belongs to another application \(application_id 0x4d2\)/);
    expect(sha256(file)).toBe(before);
  });

  it('a damaged database', async () => {
    const file = join(openDir(), 'damaged.db');
    await ourDatabase(file);
    const bytes = readFileSync(file);
    bytes.fill(0xa5, 100, 4096); // the schema page, past the header
    writeFileSync(file, bytes);
    refused(await start(['--db', file]), /is damaged \(.*malformed.*\); restore it from a backup/);
  });

  it('a database this user cannot write, unless --read-only', async () => {
    const file = join(openDir(), 'theirs.db');
    await ourDatabase(file);
    chmodSync(file, 0o444);
    refused(await start(['--db', file]), /is not writable by this user; fix its permissions, or serve it read-only with --read-only/);
  });

  it('a database this user cannot read', async () => {
    const file = join(openDir(), 'secret.db');
    await ourDatabase(file);
    chmodSync(file, 0o000);
    refused(await start(['--db', file]), /is not readable by this user/);
  });

  it('--read-only on a database that does not exist', async () => {
    const file = join(openDir(), 'missing.db');
    refused(await start(['--db', file, '--read-only']), /does not exist, and --read-only cannot create it/);
    expect(existsSync(file)).toBe(false);
  });

  it('a bad --prices file, or CONTROL_PLANE_PRICES', async () => {
    const dir = openDir();
    const db = tempDb();
    refused(await start(['--db', db, '--prices', join(dir, 'none.json')]), /^control-plane-mcp: --prices .*none\.json: cannot read it \(ENOENT\)/);
    writeFileSync(join(dir, 'bad.json'), '{"claude": ');
    refused(await start(['--db', db, '--prices', join(dir, 'bad.json')]), /--prices .*bad\.json: not valid JSON/);
    writeFileSync(join(dir, 'shape.json'), '{"claude": {"input": "cheap", "output": 1}}');
    refused(await start(['--db', db], { env: { CONTROL_PLANE_PRICES: join(dir, 'shape.json') } }), /CONTROL_PLANE_PRICES .*shape\.json: claude\.input: expected number, received string/);
  });

  it('a bad log level', async () => {
    refused(await start(['--db', tempDb()], { env: { CONTROL_PLANE_LOG_LEVEL: 'chatty' } }), /CONTROL_PLANE_LOG_LEVEL: unknown level "chatty"; use one of fatal, error, warn, info/);
  });

  it('a bad --shutdown-grace is a usage error (exit 2)', async () => {
    const result = await start(['--shutdown-grace', 'soon']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--shutdown-grace: "soon" is not a number of seconds');
  });
});

describe('databases that start', () => {
  it('prints its version with --version', async () => {
    const server = rawServer(['--version']);
    expect((await server.exited).code).toBe(0);
    expect(server.stdout).toBe(`${version}\n`);
  });

  it('takes a database of ours from before the mark, and marks it', async () => {
    const file = join(openDir(), 'old.db');
    await ourDatabase(file);
    const db = new Database(file);
    db.pragma('application_id = 0');
    db.close();
    const s = await spawnServer(file);
    expect((await s.call('realm_list')).realms.map((r: { name: string }) => r.name)).toEqual(['kept']);
    await s.close();
    expect(readFileSync(file).readUInt32BE(68)).toBe(APPLICATION_ID);
  });

  it('serves a database this user cannot write with --read-only, in a directory it cannot write either', async () => {
    const dir = openDir();
    const file = join(dir, 'shared.db');
    await ourDatabase(file);
    chmodSync(file, 0o444);
    chmodSync(dir, 0o555);
    const before = sha256(file);
    const result = await start(['--db', file, '--read-only'], {
      input: initialize() + toolCall(1, 'realm_list', {}) + '\n' + toolCall(2, 'realm_create', { name: 'x', owner: 'o' }) + '\n',
    });
    expect(result.code, result.stderr).toBe(0);
    const list = result.messages.find((m) => m.id === 1)!;
    expect(list.result.structuredContent.realms.map((r: { name: string }) => r.name)).toEqual(['kept']);
    // Writing tools are not served at all.
    expect(JSON.parse(result.messages.find((m) => m.id === 2)!.result.content[0].text).error.code).toBe('invalid_input');
    expect(sha256(file)).toBe(before);
    expect(readdirSync(dir)).toEqual(['shared.db']);
    chmodSync(dir, 0o755);
  });

});
