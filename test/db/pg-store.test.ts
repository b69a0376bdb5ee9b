// The PostgreSQL store itself, on a real server, with a minimal repository of its own (the real ones are
// tested in their own files): units of work commit or roll back whole, serialization failures re-run them,
// what they announce reaches this instance's onCommit after COMMIT and other instances through LISTEN/NOTIFY,
// and the LISTEN connection comes back after it is killed.
import { DomainError } from '../../src/domain/errors.js';
import { asc, sql } from 'drizzle-orm';
import { integer, pgTable, text } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNEL, MAX_NOTIFY_BYTES, RESYNC_TOPIC, toRanges } from '../../src/db/pg/change-feed.js';
import { committedPgMigrations, migratePostgres } from '../../src/db/pg/migrate.js';
import { createPool } from '../../src/db/pg/pool.js';
import { casUpdate, q, type PgDb } from '../../src/db/pg/repos/shared.js';
import { createPgStore, type PgStore, type PgStoreOptions, type RepoFactories } from '../../src/db/pg/store.js';
import type { Announcement, Step, Tx, Work } from '../../src/domain/store.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

const notes = pgTable('test_notes', { id: text('id').primaryKey(), body: text('body').notNull() });
const versioned = pgTable('test_versioned', { id: text('id').primaryKey(), body: text('body').notNull(), version: integer('version').notNull() });

const noteRepo = (db: PgDb) => ({
  *add(id: string, body = ''): Step<void> {
    yield* q(db.insert(notes).values({ id, body }));
  },
  *ids(): Step<string[]> {
    return (yield* q(db.select().from(notes).orderBy(asc(notes.id)))).map((r) => r.id);
  },
  *exec(statement: ReturnType<typeof sql>): Step<{ rows: Record<string, unknown>[] }> {
    return yield* q(db.execute(statement));
  },
  *versioned(id: string): Step<{ body: string; version: number }> {
    return (yield* q(db.select().from(versioned).where(sql`id = ${id}`)))[0]!;
  },
  /** Compare-and-swap, as every versioned repository's; throws (as the domain's casOrConflict) on a miss. */
  *swap(id: string, version: number, body: string): Step<void> {
    const row = yield* casUpdate(db, versioned, { id }, version, { body });
    if (!row) throw new DomainError('conflict', `conflict: ${id} changed after version ${version}`);
  },
  /** A step that waits for something outside the database (a barrier between two units). */
  *wait(promise: Promise<unknown>): Step<void> {
    yield promise;
  },
});
type TestTx = Tx & { notes: ReturnType<typeof noteRepo> };
const repos = { notes: noteRepo } as unknown as RepoFactories;
const unit =
  <T>(body: (tx: TestTx) => Step<T>): Work<T> =>
  (tx) =>
    body(tx as TestTx);

const note = (id: string, extra: Record<string, unknown> = {}): Announcement => ({ topic: 'note.added', realmId: 'realm-1', payload: { id, ...extra } });

async function waitFor(what: string, check: () => boolean, ms = 5_000) {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

let server: TestPostgres;
let url: string;
let admin: pg.Pool;
const stores: PgStore[] = [];
const errors: unknown[] = [];
const newStore = (options: PgStoreOptions = {}) => {
  const store = createPgStore(createPool(url, { max: 4 }), repos, {
    onListenerError: (error) => errors.push(error),
    feed: { reconnectMinMs: 20, reconnectMaxMs: 200 },
    ...options,
  });
  stores.push(store);
  return store;
};

beforeAll(async () => {
  server = await startPostgres();
  url = await server.createDatabase();
  await migratePostgres(url);
  admin = new pg.Pool({ connectionString: url, max: 2 });
  // pool.end() resolves before its connections' sockets close: the server's shutdown may reach one of them.
  admin.on('error', () => {});
  await admin.query(`
    CREATE TABLE test_notes (id text PRIMARY KEY, body text NOT NULL);
    CREATE TABLE test_versioned (id text PRIMARY KEY, body text NOT NULL, version int NOT NULL);
    INSERT INTO test_versioned VALUES ('v1', '', 1), ('v2', '', 1);
    -- Raises serialization_failure while the named sequence is at most \`times\` (sequences ignore rollbacks).
    CREATE FUNCTION test_fail_while(seq text, times int) RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
      IF nextval(seq::regclass) <= times THEN RAISE EXCEPTION 'forced serialization failure' USING ERRCODE = '40001'; END IF;
    END $$;
    -- The same at COMMIT: a deferred constraint trigger on rows of test_deferred.
    CREATE SEQUENCE test_commit_failures;
    CREATE TABLE test_deferred (id text PRIMARY KEY);
    CREATE FUNCTION test_fail_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM test_fail_while('test_commit_failures', 1); RETURN NULL; END $$;
    CREATE CONSTRAINT TRIGGER test_deferred_fails AFTER INSERT ON test_deferred DEFERRABLE INITIALLY DEFERRED
      FOR EACH ROW EXECUTE FUNCTION test_fail_at_commit();
  `);
});
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await admin?.end();
  await server?.stop();
});

describe('PostgreSQL store: units of work', () => {
  it("commits a write, returns its value, and hands what it announced to onCommit after COMMIT", async () => {
    const store = newStore();
    const seen: Announcement[][] = [];
    let visibleAtNotice: number | null = null;
    store.onCommit((announced) => {
      seen.push(announced);
      // Committed by then: another connection sees it.
      void admin.query("SELECT count(*)::int AS n FROM test_notes WHERE id = 'c1'").then((r) => (visibleAtNotice = r.rows[0].n));
    });
    const value = await store.write(
      unit(function* (tx) {
        yield* tx.notes.add('c1');
        tx.announce(note('c1'));
        tx.announce(note('c1', { again: true }));
        return 'done';
      }),
    );
    expect(value).toBe('done');
    expect(seen).toEqual([[note('c1'), note('c1', { again: true })]]);
    await waitFor('the check', () => visibleAtNotice !== null);
    expect(visibleAtNotice).toBe(1);
    expect(await store.read(unit((tx) => tx.notes.ids()))).toContain('c1');
    // A write that announces nothing tells nobody.
    await store.write(unit((tx) => tx.notes.add('c2')));
    expect(seen).toHaveLength(1);
  });

  it('a read runs on one REPEATABLE READ READ ONLY snapshot, and cannot announce', async () => {
    const store = newStore();
    const level = await store.read(unit((tx) => tx.notes.exec(sql`SELECT current_setting('transaction_isolation') AS iso, current_setting('transaction_read_only') AS ro`)));
    expect(level.rows[0]).toEqual({ iso: 'repeatable read', ro: 'on' });
    await expect(store.read(unit((tx) => tx.notes.add('r1')))).rejects.toMatchObject({ cause: { code: '25006' } });
    await expect(
      store.read(
        unit(function* (tx) {
          tx.announce(note('r2'));
        }),
      ),
    ).rejects.toThrow('announce() outside a write');
    // One snapshot: a row committed by another connection between two statements is not seen by the second.
    let release!: () => void;
    const between = new Promise<void>((resolve) => (release = resolve));
    const reading = store.read(
      unit(function* (tx) {
        const before = yield* tx.notes.ids();
        yield* tx.notes.wait(between);
        return [before, yield* tx.notes.ids()];
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    await admin.query("INSERT INTO test_notes VALUES ('snap', '')");
    release();
    const [before, after] = await reading;
    expect(after).toEqual(before);
    expect(before).not.toContain('snap');
    const write = await store.write(unit((tx) => tx.notes.exec(sql`SELECT current_setting('transaction_isolation') AS iso`)));
    expect(write.rows[0]).toEqual({ iso: 'read committed' });
  });

  it('a unit that throws rolls back whole and announces nothing; the connection goes back clean', async () => {
    const store = newStore();
    const seen: Announcement[][] = [];
    store.onCommit((a) => seen.push(a));
    const failing = unit(function* (tx) {
      yield* tx.notes.add('t1');
      tx.announce(note('t1'));
      throw new Error('refused');
    });
    await expect(store.write(failing)).rejects.toThrow('refused');
    // A failed statement is thrown into the unit: here it lets it go (duplicate key), after a write of its own.
    await store.write(unit((tx) => tx.notes.add('t2')));
    await expect(
      store.write(
        unit(function* (tx) {
          yield* tx.notes.add('t3');
          tx.announce(note('t3'));
          yield* tx.notes.add('t2');
        }),
      ),
    ).rejects.toMatchObject({ cause: { code: '23505' } });
    const ids = await store.read(unit((tx) => tx.notes.ids()));
    expect(ids).not.toContain('t1');
    expect(ids).not.toContain('t3');
    expect(seen).toEqual([]);
    // Every connection went back to the pool outside a transaction: the next units work on them.
    const idle = await Promise.all(
      Array.from({ length: 4 }, () => store.read(unit((tx) => tx.notes.exec(sql`SELECT count(*)::int AS n FROM test_notes WHERE id = 't2'`)))),
    );
    expect(idle.map((r) => r.rows[0]!.n)).toEqual([1, 1, 1, 1]);
  });

  it('a serialization failure re-runs the unit on a fresh Tx: the failed run announced nothing, locally or to other instances', async () => {
    const store = newStore();
    const other = newStore();
    const local: Announcement[][] = [];
    const remote: Announcement[][] = [];
    store.onCommit((a) => local.push(a));
    other.watchOtherProcesses((a) => remote.push(a));
    await other.listening();
    await admin.query('CREATE SEQUENCE test_failures_1');
    let runs = 0;
    const value = await store.write(
      unit(function* (tx) {
        const run = ++runs;
        yield* tx.notes.add('s1');
        tx.announce(note('s1', { run }));
        yield* tx.notes.exec(sql`SELECT test_fail_while('test_failures_1', 2)`);
        return run;
      }),
    );
    expect(value).toBe(3);
    expect(local).toEqual([[note('s1', { run: 3 })]]);
    // Failing at COMMIT, after its NOTIFY was sent: PostgreSQL drops a NOTIFY with its transaction.
    let commitRuns = 0;
    await store.write(
      unit(function* (tx) {
        const run = ++commitRuns;
        yield* tx.notes.exec(sql`INSERT INTO test_deferred VALUES ('d1')`);
        tx.announce(note('d1', { run }));
      }),
    );
    expect(commitRuns).toBe(2);
    expect(local.at(-1)).toEqual([note('d1', { run: 2 })]);
    await waitFor('the notifications', () => remote.length === 2);
    expect(remote.map((batch) => batch.map((a) => a.payload))).toEqual([[{ id: 's1', run: 3 }], [{ id: 'd1', run: 2 }]]);
    // Beyond the attempts allowed, the failure reaches the caller.
    await admin.query('CREATE SEQUENCE test_failures_2');
    await expect(store.write(unit((tx) => tx.notes.exec(sql`SELECT test_fail_while('test_failures_2', 100)`)))).rejects.toMatchObject({ cause: { code: '40001' } });
  });

  it('two SERIALIZABLE units in write skew: one is failed by PostgreSQL and re-run, seeing the other', async () => {
    const a = newStore();
    const b = newStore();
    let reads = 0;
    let bothRead!: () => void;
    const barrier = new Promise<void>((resolve) => (bothRead = resolve));
    let runs = 0;
    const skew = (who: string) =>
      unit(function* (tx) {
        runs++;
        yield* tx.notes.exec(sql`SET TRANSACTION ISOLATION LEVEL SERIALIZABLE`);
        const { rows } = yield* tx.notes.exec(sql`SELECT count(*)::int AS n FROM test_notes WHERE body = 'skew'`);
        if (++reads === 2) bothRead();
        yield* tx.notes.wait(barrier);
        yield* tx.notes.add(`skew-${who}`, 'skew');
        return rows[0]!.n as number;
      });
    const counts = await Promise.all([a.write(skew('a')), b.write(skew('b'))]);
    // Unserialized, both would have counted 0. One of them ran again after the other committed.
    expect(counts.sort()).toEqual([0, 1]);
    expect(runs).toBe(3);
  });

  it('a unit whose compare-and-swap lost to another instance runs again on the row as it is now; a deterministic miss still reaches the caller', async () => {
    // At READ COMMITTED both read version 1 and both swap at it; the second swap matches nothing. SQLite's
    // serialised writers never let that happen: the loser re-runs, reads version 2, and swaps at it.
    const a = newStore();
    const b = newStore();
    let reads = 0;
    let bothRead!: () => void;
    const barrier = new Promise<void>((resolve) => (bothRead = resolve));
    const seen: string[] = [];
    const append = (who: string) =>
      unit(function* (tx) {
        const row = yield* tx.notes.versioned('v1');
        seen.push(`${who}@${row.version}`);
        if (++reads === 2) bothRead();
        yield* tx.notes.wait(barrier);
        yield* tx.notes.swap('v1', row.version, `${row.body}${who}`);
        return row.version;
      });
    expect((await Promise.all([a.write(append('a')), b.write(append('b'))])).sort()).toEqual([1, 2]);
    expect(seen).toHaveLength(3);
    expect((await admin.query("SELECT body, version FROM test_versioned WHERE id = 'v1'")).rows[0]).toMatchObject({ version: 3 });
    // A swap at a version the unit never read misses every time: after the attempts, the unit's own error.
    const store = newStore({ attempts: { max: 3, maxDelayMs: 1 } });
    let runs = 0;
    const stale = store.write(unit(function* (tx) {
      runs++;
      yield* tx.notes.swap('v2', 7, 'never');
    }));
    await expect(stale).rejects.toThrow('conflict: v2 changed after version 7');
    expect(runs).toBe(3);
    // A unit that throws without losing a swap is not run again.
    runs = 0;
    await expect(store.write(unit(function* () {
      runs++;
      throw new Error('refused');
    }))).rejects.toThrow('refused');
    expect(runs).toBe(1);
  });

  it('fails a unit whose connection the server ends mid-way, without crashing the process, and serves the next', async () => {
    const store = newStore();
    let pid = 0;
    let release!: () => void;
    const barrier = new Promise<void>((resolve) => (release = resolve));
    const doomed = store.write(
      unit(function* (tx) {
        pid = Number((yield* tx.notes.exec(sql`SELECT pg_backend_pid() AS pid`)).rows[0]!.pid);
        yield* tx.notes.wait(barrier);
        yield* tx.notes.add('never-kept', 'x');
        return 'done';
      }),
    );
    await waitFor('the unit to start', () => pid !== 0);
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    // The 'error' event arrives while the connection is checked out; without a listener the process would die.
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    await expect(doomed).rejects.toThrow();
    expect((await admin.query("SELECT count(*)::int AS n FROM test_notes WHERE id = 'never-kept'")).rows[0].n).toBe(0);
    await store.write(unit((tx) => tx.notes.add('after-the-loss', 'y')));
    expect((await admin.query("SELECT count(*)::int AS n FROM test_notes WHERE id = 'after-the-loss'")).rows[0].n).toBe(1);
  });

  it('two instances upserting one key (read, then insert if missing) both succeed: the loser re-runs and updates', async () => {
    // The shape of pulse_register and hierarchy_set: at READ COMMITTED both read nothing and both insert; the
    // second insert meets the first's row on the primary key (23505) and must not reach the caller as internal.
    const a = newStore();
    const b = newStore();
    let reads = 0;
    let bothRead!: () => void;
    const barrier = new Promise<void>((resolve) => (bothRead = resolve));
    const paths: string[] = [];
    const upsert = (who: string) =>
      unit(function* (tx) {
        const { rows } = yield* tx.notes.exec(sql`SELECT body FROM test_notes WHERE id = 'upsert-1'`);
        if (++reads === 2) bothRead();
        yield* tx.notes.wait(barrier);
        if (rows.length === 0) yield* tx.notes.add('upsert-1', who);
        else yield* tx.notes.exec(sql`UPDATE test_notes SET body = body || ${`+${who}`} WHERE id = 'upsert-1'`);
        paths.push(`${who}:${rows.length === 0 ? 'insert' : 'update'}`);
        return who;
      });
    expect((await Promise.all([a.write(upsert('a')), b.write(upsert('b'))])).sort()).toEqual(['a', 'b']);
    const [winner, loser] = paths[0]!.startsWith('a') ? ['a', 'b'] : ['b', 'a'];
    expect(paths).toEqual([`${winner}:insert`, `${loser}:update`]);
    expect((await admin.query("SELECT body FROM test_notes WHERE id = 'upsert-1'")).rows).toEqual([{ body: `${winner}+${loser}` }]);
  });
});

describe('PostgreSQL store: announcements across instances', () => {
  it("another instance receives a commit's announcements through LISTEN, never its own", async () => {
    const a = newStore();
    const b = newStore();
    const atA: Announcement[][] = [];
    const atB: Announcement[][] = [];
    a.watchOtherProcesses((x) => atA.push(x));
    b.watchOtherProcesses((x) => atB.push(x));
    await Promise.all([a.listening(), b.listening()]);
    const before = new Date().toISOString();
    await a.write(
      unit(function* (tx) {
        yield* tx.notes.add('x1');
        tx.announce(note('x1'));
        tx.announce({ topic: 'other.topic', realmId: null, payload: { n: 1, text: "it's a \\ back\"slash; é ✓ $$ \n" } });
      }),
    );
    await b.write(
      unit(function* (tx) {
        tx.announce(note('y1'));
      }),
    );
    await waitFor('both deliveries', () => atA.length === 1 && atB.length === 1);
    expect(atB[0]!.map(({ committedAt: _, ...x }) => x)).toEqual([note('x1'), { topic: 'other.topic', realmId: null, payload: { n: 1, text: "it's a \\ back\"slash; é ✓ $$ \n" } }]);
    expect(atB[0]![0]!.committedAt! >= before).toBe(true);
    // A got only B's: its own came before B's on the channel and was skipped.
    expect(atA[0]!.map((x) => x.payload)).toEqual([{ id: 'y1' }]);
  });

  it("three instances writing at once: each receives every other instance's announcements once, and none of its own", async () => {
    const instances = [newStore(), newStore(), newStore()];
    const received = instances.map(() => [] as Announcement[]);
    instances.forEach((store, i) => store.watchOtherProcesses((x) => received[i]!.push(...x)));
    await Promise.all(instances.map((s) => s.listening()));
    const WRITES = 60;
    await Promise.all(
      instances.map(async (store, i) => {
        for (let n = 0; n < WRITES; n++) {
          await store.write(
            unit(function* (tx) {
              yield* tx.notes.add(`multi-${i}-${n}`);
              tx.announce(note(`multi-${i}-${n}`, { from: i, n }));
            }),
          );
        }
      }),
    );
    await waitFor('every delivery', () => received.every((r) => r.length >= 2 * WRITES));
    await new Promise((resolve) => setTimeout(resolve, 100));
    received.forEach((got, i) => {
      expect(got).toHaveLength(2 * WRITES);
      expect(got.some((a) => a.payload.from === i)).toBe(false);
      // Each sender's announcements arrive in the order it committed them.
      for (const from of [0, 1, 2].filter((f) => f !== i)) {
        expect(got.filter((a) => a.payload.from === from).map((a) => a.payload.n)).toEqual(Array.from({ length: WRITES }, (_, n) => n));
      }
    });
  });

  it('announcements too big for one NOTIFY are written to the changes table and read back, in order', async () => {
    const a = newStore();
    const b = newStore();
    const atB: Announcement[][] = [];
    b.watchOtherProcesses((x) => atB.push(x));
    await b.listening();
    const many = Array.from({ length: 60 }, (_, i) => note(`m${i}`, { filler: 'x'.repeat(200) }));
    expect(JSON.stringify(many).length).toBeGreaterThan(MAX_NOTIFY_BYTES);
    await a.write(
      unit(function* (tx) {
        for (const x of many) tx.announce(x);
      }),
    );
    // One announcement alone over the limit (multi-byte characters count as bytes), then a small one after it.
    const big = note('big', { text: 'é'.repeat(4_100) });
    await a.write(
      unit(function* (tx) {
        tx.announce(big);
      }),
    );
    await a.write(
      unit(function* (tx) {
        tx.announce(note('small'));
      }),
    );
    await waitFor('three deliveries', () => atB.length === 3);
    expect(atB.map((batch) => batch.map(({ committedAt: _, ...x }) => x))).toEqual([many, [big], [note('small')]]);
    const stored = await admin.query('SELECT count(*)::int AS n FROM changes');
    expect(stored.rows[0].n).toBe(61);
  });

  it('a change no longer in the table is a re-sync, a payload that is not ours is reported, and old rows are pruned', async () => {
    // Every store of this file still listening gets these too: this one has its own error list.
    const mine: unknown[] = [];
    const b = newStore({ onListenerError: (error) => mine.push(error) });
    const atB: Announcement[][] = [];
    b.watchOtherProcesses((x) => atB.push(x));
    await b.listening();
    await admin.query('SELECT pg_notify($1, $2)', [CHANNEL, 'not json']);
    await admin.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify({ o: 'inst-gone', t: new Date().toISOString(), c: [[999_999, 1_000_000]] })]);
    await waitFor('the re-sync', () => atB.length === 1);
    expect(atB[0]).toEqual([{ topic: RESYNC_TOPIC, realmId: null, payload: { reason: 'unreadable' }, committedAt: expect.any(String) }]);
    expect(mine.map(String)).toEqual([expect.stringContaining('JSON'), expect.stringContaining('2 of 2 announced changes were no longer in the changes table')]);
    // An instance's feed deletes rows older than keepChangesMs.
    await admin.query("INSERT INTO changes (realm_id, origin, topic, payload, created_at) VALUES (null, 'x', 'old', '{}', '2020-01-01T00:00:00.000Z')");
    const pruning = newStore({ feed: { pingMs: 20, keepChangesMs: 60_000 } });
    pruning.watchOtherProcesses(() => {});
    let old = 1;
    await waitFor('the prune', () => {
      void admin.query("SELECT count(*)::int AS n FROM changes WHERE topic = 'old'").then((r) => (old = r.rows[0].n));
      return old === 0;
    });
  });

  it('after its LISTEN connection is killed, the feed reconnects, says re-sync, and delivers again', async () => {
    const a = newStore();
    const b = newStore();
    const atB: Announcement[][] = [];
    b.watchOtherProcesses((x) => atB.push(x));
    await b.listening();
    const first = b.feedBackendPid;
    expect(first).toBeTypeOf('number');
    const listens = await admin.query<{ query: string; application_name: string }>('SELECT query, application_name FROM pg_stat_activity WHERE pid = $1', [first]);
    expect(listens.rows[0]).toEqual({ query: `LISTEN ${CHANNEL}`, application_name: 'control-plane-mcp listen' });
    errors.length = 0;
    await admin.query('SELECT pg_terminate_backend($1)', [first]);
    await waitFor('the re-sync', () => atB.some((batch) => batch[0]!.topic === RESYNC_TOPIC));
    expect(atB).toEqual([[{ topic: RESYNC_TOPIC, realmId: null, payload: { reason: 'reconnected' }, committedAt: expect.any(String) }]]);
    expect(b.feedBackendPid).not.toBe(first);
    // The drop was reported (admin_shutdown), not thrown.
    expect(errors.some((e) => (e as { code?: string }).code === '57P01')).toBe(true);
    await a.write(
      unit(function* (tx) {
        tx.announce(note('after'));
      }),
    );
    await waitFor('the delivery after reconnecting', () => atB.length === 2);
    expect(atB[1]!.map((x) => x.payload)).toEqual([{ id: 'after' }]);
  });

  it('keeps trying while the server refuses, then re-syncs', async () => {
    const a = newStore();
    const b = newStore();
    const atB: Announcement[][] = [];
    b.watchOtherProcesses((x) => atB.push(x));
    await b.listening();
    // Refuse new connections to this database for a while, then kill the LISTEN connection.
    const db = new URL(url).pathname.slice(1);
    const other = new URL(url);
    other.pathname = '/postgres';
    const owner = new pg.Client({ connectionString: other.toString() });
    await owner.connect();
    await owner.query(`ALTER DATABASE ${db} ALLOW_CONNECTIONS false`);
    try {
      errors.length = 0;
      await admin.query('SELECT pg_terminate_backend($1)', [b.feedBackendPid]);
      await waitFor('refused reconnects', () => errors.filter((e) => String(e).includes('not currently accepting connections')).length >= 2);
      expect(atB).toEqual([]);
    } finally {
      await owner.query(`ALTER DATABASE ${db} ALLOW_CONNECTIONS true`);
      await owner.end();
    }
    await waitFor('the re-sync', () => atB.length === 1);
    expect(atB[0]![0]!.topic).toBe(RESYNC_TOPIC);
    await a.write(
      unit(function* (tx) {
        tx.announce(note('back'));
      }),
    );
    await waitFor('the delivery', () => atB.length === 2);
  });
});

describe('PostgreSQL store: health and close', () => {
  it("health() counts the applied migrations against this build's", async () => {
    const store = newStore();
    expect(await store.health()).toEqual({ migrations: { applied: committedPgMigrations(), expected: committedPgMigrations() } });
    const empty = await server.createDatabase();
    const fresh = createPgStore(createPool(empty), repos);
    try {
      expect(await fresh.health()).toEqual({ migrations: { applied: 0, expected: committedPgMigrations() } });
    } finally {
      await fresh.close();
    }
  });

  it('close() ends the pool and the LISTEN connection', async () => {
    const store = newStore();
    store.watchOtherProcesses(() => {});
    await store.listening();
    const pid = store.feedBackendPid;
    await store.write(unit((tx) => tx.notes.add('closing')));
    await store.close();
    expect(store.pool.ended).toBe(true);
    expect(store.feedBackendPid).toBe(null);
    // The server ends the backend a moment after the client said goodbye.
    let left = 1;
    await waitFor('the backend to end', () => {
      void admin.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1', [pid]).then((r) => (left = r.rows[0].n));
      return left === 0;
    });
    await expect(store.write(unit((tx) => tx.notes.add('late')))).rejects.toThrow();
  });

  it('close() does not wait out the pause between reconnect attempts', async () => {
    const failures: unknown[] = [];
    // Nothing listens on port 1: every attempt is refused at once, then the feed pauses a minute.
    const store = createPgStore(createPool('postgres://nobody@127.0.0.1:1/none'), repos, {
      onListenerError: (error) => failures.push(error),
      feed: { reconnectMinMs: 60_000, reconnectMaxMs: 60_000 },
    });
    store.watchOtherProcesses(() => {});
    await waitFor('a refused attempt', () => failures.length === 1);
    const started = Date.now();
    await store.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(String(failures[0])).toContain('ECONNREFUSED');
  });

  it('toRanges groups consecutive ords', () => {
    expect(toRanges([5, 3, 4, 9, 10, 12])).toEqual([
      [3, 5],
      [9, 10],
      [12, 12],
    ]);
  });
});
