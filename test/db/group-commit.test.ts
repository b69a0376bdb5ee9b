import { defaultFleetSettings } from '../../src/domain/fleet/settings.js';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateDatabase, openDatabase } from '../../src/db/connection.js';
import { SqliteStore } from '../../src/db/sqlite/store.js';
import { verifyChain } from '../../src/domain/audit/verify.js';
import { systemClock } from '../../src/domain/clock.js';
import { DomainError } from '../../src/domain/errors.js';
import { localAdmin } from '../../src/domain/principal.js';
import { createRealm } from '../../src/domain/realm/lifecycle.js';
import type { Realm } from '../../src/domain/realm/model.js';
import type { Tx } from '../../src/domain/store.js';
import { tempDb } from '../helpers/processes.js';

const opened: { close(): void }[] = [];
afterEach(() => opened.splice(0).forEach((o) => o.close()));

function storeOn(path: string, options: { busyTimeoutMs?: number } = {}) {
  const { db } = openDatabase(path);
  migrateDatabase(db);
  const store = new SqliteStore(db, options);
  opened.push(store);
  return store;
}

const ctxOf = (store: SqliteStore) => ({ store, clock: systemClock, principal: localAdmin });
const realmNamed = (name: string): Realm => ({
  id: `realm-${name}`, name, description: null, status: 'active', owner: 'test', defaultModel: null, maxAgents: null, metadata: null, fleet: defaultFleetSettings,
  version: 1, createdAt: '2026-11-26T00:00:00.000Z', updatedAt: '2026-11-26T00:00:00.000Z',
});
/** A unit of work that writes a realm and then fails: its realm must not survive. */
function* insertThenFail(tx: Tx) {
  yield* tx.realms.insert(realmNamed('doomed'));
  throw new DomainError('conflict', 'this call fails after writing');
}
const names = (store: SqliteStore) => store.read(() => (function* () {
  return store.db.prepare('SELECT name FROM realms ORDER BY name').pluck().all() as string[];
})());

describe('group commit', () => {
  it('runs writes that arrive together in one transaction, and a failing call rolls back only its own work', async () => {
    const store = storeOn(tempDb());
    const ctx = ctxOf(store);
    const before = { ...store.commitStats };
    const outcomes = await Promise.allSettled([
      createRealm(ctx, { name: 'a', owner: 'o' }),
      createRealm(ctx, { name: 'b', owner: 'o' }),
      store.write(insertThenFail),
      createRealm(ctx, { name: 'c', owner: 'o' }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[2] as PromiseRejectedResult).reason).toMatchObject({ code: 'conflict' });
    expect(await names(store)).toEqual(['a', 'b', 'c']);
    // The first ran alone (nothing was queued); the other three shared one COMMIT.
    expect(store.commitStats.commits - before.commits).toBe(2);
    expect(store.commitStats.writes - before.writes).toBe(4);
    for (const o of outcomes.filter((o) => o.status === 'fulfilled')) {
      expect(await verifyChain(ctx, { realmId: (o as PromiseFulfilledResult<Realm>).value.id })).toMatchObject({ valid: true });
    }
  });

  it('commits a lone write at once, before the caller gets control back from the event loop', async () => {
    const store = storeOn(tempDb());
    const before = store.commitStats.commits;
    const pending = createRealm(ctxOf(store), { name: 'alone', owner: 'o' });
    // Committed synchronously: the row is there before the promise is even awaited.
    expect(store.commitStats.commits).toBe(before + 1);
    await pending;
  });

  it('rolls back a lone write that fails (it runs without a savepoint), and keeps serving', async () => {
    const store = storeOn(tempDb());
    const before = { ...store.commitStats };
    await expect(store.write(insertThenFail)).rejects.toMatchObject({ code: 'conflict' });
    expect(store.db.inTransaction).toBe(false);
    expect(await names(store)).toEqual([]);
    expect(store.commitStats).toEqual(before);
    await createRealm(ctxOf(store), { name: 'after', owner: 'o' });
    expect(await names(store)).toEqual(['after']);
    expect(store.commitStats.commits).toBe(before.commits + 1);
  });

  it('announces only the calls that committed, after the commit', async () => {
    const store = storeOn(tempDb());
    const seen: string[] = [];
    store.onCommit((announced) => seen.push(...announced.map((a) => `${a.topic}:${String(a.payload.name ?? a.payload.action ?? '')}`)));
    await Promise.allSettled([createRealm(ctxOf(store), { name: 'x', owner: 'o' }), store.write(insertThenFail), createRealm(ctxOf(store), { name: 'y', owner: 'o' })]);
    expect(seen.join(' ')).not.toContain('doomed');
    expect(seen.length).toBeGreaterThan(0);
  });

  it('waits for another connection’s write lock without blocking the event loop, then commits', async () => {
    const path = tempDb();
    const store = storeOn(path);
    const { db: other } = openDatabase(path);
    opened.push(other);
    other.prepare('BEGIN IMMEDIATE').run();
    const release = setTimeout(() => other.prepare('COMMIT').run(), 300);
    const started = Date.now();
    const write = createRealm(ctxOf(store), { name: 'patient', owner: 'o' });
    // While the write waits, this process still answers: a read resolves and a timer fires.
    const ticks: number[] = [];
    const ticker = setInterval(() => ticks.push(Date.now()), 20);
    expect(await names(store)).toEqual([]);
    await write;
    clearInterval(ticker);
    clearTimeout(release);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(ticks.length).toBeGreaterThanOrEqual(5);
    expect(store.commitStats.busyRetries).toBeGreaterThan(0);
    expect(await names(store)).toEqual(['patient']);
  });

  it('fails a write that waited longer than the busy timeout, and leaves the data unchanged', async () => {
    const path = tempDb();
    const store = storeOn(path, { busyTimeoutMs: 200 });
    const { db: other } = openDatabase(path);
    opened.push(other);
    other.prepare('BEGIN IMMEDIATE').run();
    await expect(createRealm(ctxOf(store), { name: 'late', owner: 'o' })).rejects.toMatchObject({ code: expect.stringMatching(/^SQLITE_BUSY/) });
    other.prepare('COMMIT').run();
    expect(await names(store)).toEqual([]);
    // And the store keeps serving.
    await createRealm(ctxOf(store), { name: 'after', owner: 'o' });
    expect(await names(store)).toEqual(['after']);
  });

  it('commits what is queued when the store closes', async () => {
    const path = tempDb();
    const store = storeOn(path);
    const ctx = ctxOf(store);
    const writes = [createRealm(ctx, { name: 'p', owner: 'o' }), createRealm(ctx, { name: 'q', owner: 'o' })];
    store.close();
    await Promise.all(writes);
    expect(await names(storeOn(path))).toEqual(['p', 'q']);
  });
});

describe('group commit when a statement of its own fails', () => {
  it('answers every call, leaves no transaction open, and keeps serving', async () => {
    const store = storeOn(tempDb());
    const ctx = ctxOf(store);
    await createRealm(ctx, { name: 'first', owner: 'o' });
    await createRealm(ctx, { name: 'second', owner: 'o' });
    // A body that leaves a statement iterating: SQLite then refuses RELEASE ("connection is busy").
    const leaveOpen = store.write(function* () {
      const rows = store.db.prepare('SELECT name FROM realms').iterate();
      rows.next();
      (globalThis as { openRows?: unknown }).openRows = rows;
      return 'left open';
    });
    const after = createRealm(ctx, { name: 'next', owner: 'o' });
    const outcomes = await Promise.allSettled([leaveOpen, after]);
    // The call whose RELEASE failed is told so (and the one behind it, while the statement still iterates):
    // every call is answered, none hangs.
    expect(outcomes[0]).toMatchObject({ status: 'rejected' });
    ((globalThis as { openRows?: { return(): void } }).openRows)?.return();
    // Once that statement is done, the store recovers: the next write commits and no transaction stays open.
    await createRealm(ctx, { name: 'later', owner: 'o' });
    expect(store.db.inTransaction).toBe(false);
    expect(await names(store)).toContain('later');
  });

  it('queues a write submitted from inside another write for the next transaction', async () => {
    const store = storeOn(tempDb());
    const ctx = ctxOf(store);
    let inner: Promise<Realm> | null = null;
    await store.write(function* (tx) {
      inner = createRealm(ctx, { name: 'inner', owner: 'o' });
      yield* tx.realms.insert(realmNamed('outer'));
    });
    await inner;
    expect(await names(store)).toEqual(['inner', 'outer']);
  });

  it('rolls back what a failing read unit of work wrote', async () => {
    const store = storeOn(tempDb());
    await expect(
      store.read(function* (tx) {
        yield* tx.realms.insert(realmNamed('sneaked'));
        throw new Error('the read failed');
      }),
    ).rejects.toThrow('the read failed');
    expect(store.db.inTransaction).toBe(false);
    expect(await names(store)).toEqual([]);
  });
});
