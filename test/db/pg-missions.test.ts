// The PostgreSQL missions, mission blockers, idempotency keys and proposals repositories on a real server,
// each run side by side with the SQLite store's (the reference) on the same rows: the same results, in the same
// order, with the same nulls. Then the concurrency-critical ones from several pools (each pool standing for one
// instance): claim-next hands every mission out once, an idempotency key is reserved once.
import type { Database } from 'better-sqlite3';
import { drizzle as sqliteDrizzle } from 'drizzle-orm/better-sqlite3';
import { drizzle } from 'drizzle-orm/node-postgres';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDatabase, openDatabase } from '../../src/db/connection.js';
import { migratePostgres } from '../../src/db/pg/migrate.js';
import { createPool } from '../../src/db/pg/pool.js';
import { idempotencyRepo as pgIdempotency } from '../../src/db/pg/repos/idempotency.js';
import { missionBlockerRepo as pgBlockers } from '../../src/db/pg/repos/mission-blockers.js';
import { missionRepo as pgMissions } from '../../src/db/pg/repos/missions.js';
import { proposalRepo as pgProposals } from '../../src/db/pg/repos/proposals.js';
import { nodeCapabilities as pgCapabilities, realms as pgRealms } from '../../src/db/pg/schema.js';
import { drive, inTransaction } from '../../src/db/pg/unit-of-work.js';
import { nodeCapabilities, realms } from '../../src/db/schema.js';
import { idempotencyRepo } from '../../src/db/sqlite/repos/idempotency.js';
import { missionBlockerRepo } from '../../src/db/sqlite/repos/mission-blockers.js';
import { missionRepo } from '../../src/db/sqlite/repos/missions.js';
import { proposalRepo } from '../../src/db/sqlite/repos/proposals.js';
import type { Proposal } from '../../src/domain/council/model.js';
import { priorities } from '../../src/domain/directive/model.js';
import { type Mission, untriedMission } from '../../src/domain/mission/model.js';
import type { Step, Tx } from '../../src/domain/store.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

type Repos = Pick<Tx, 'missions' | 'missionBlockers' | 'idempotency' | 'proposals'>;
type Work<T> = (tx: Repos) => Step<T>;

const INSTANCES = 3;
const WORKERS_PER_INSTANCE = 4;
const T0 = '2026-11-26T00:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString();

let server: TestPostgres;
let pools: pg.Pool[] = [];
let lite: Database;

beforeAll(async () => {
  server = await startPostgres();
  const url = await server.createDatabase();
  await migratePostgres(url);
  pools = [createPool(url, { max: 2 })];
  ({ db: lite } = openDatabase(join(mkdtempSync(join(tmpdir(), 'cp-pg-missions-')), 'reference.db')) as unknown as { db: Database });
  migrateDatabase(lite as never);
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  lite?.close();
  await server?.stop();
});

/** A unit of work on PostgreSQL: one pooled connection, one transaction (BEGIN: READ COMMITTED). */
async function onPg<T>(work: Work<T>, pool = pools[0]!, begin = 'BEGIN'): Promise<T> {
  const client = await pool.connect();
  try {
    return await inTransaction(client, begin, () => {
      const db = drizzle(client);
      return { missions: pgMissions(db), missionBlockers: pgBlockers(db), idempotency: pgIdempotency(db), proposals: pgProposals(db) };
    }, work);
  } finally {
    client.release();
  }
}

/** The same unit on the SQLite store (its steps never yield). */
function onSqlite<T>(work: Work<T>): Promise<T> {
  const db = sqliteDrizzle(lite as never);
  return drive(work({ missions: missionRepo(db), missionBlockers: missionBlockerRepo(db), idempotency: idempotencyRepo(db), proposals: proposalRepo(db) }));
}

/** Runs the unit on both engines, PostgreSQL first; asserts they answer alike and gives PostgreSQL's answer. */
async function both<T>(work: Work<T>): Promise<T> {
  const fromPg = await onPg(work);
  const fromSqlite = await onSqlite(work);
  expect(fromPg).toEqual(fromSqlite);
  return fromPg;
}

/** Rows the repositories under test do not write (realms, capabilities), on both engines. */
async function seedRealm(realmId: string, status = 'active', capabilities: [agentId: string, capability: string][] = []) {
  const realm = { id: realmId, name: realmId, description: null, status, owner: 'o', defaultModel: null, maxAgents: null, metadata: null, fleet: null, version: 1, createdAt: T0, updatedAt: T0 };
  const held = capabilities.map(([agentId, capability]) => ({ realmId, agentId, capability }));
  await drizzle(pools[0]!).insert(pgRealms).values(realm);
  sqliteDrizzle(lite as never).insert(realms).values(realm).run();
  if (held.length > 0) {
    await drizzle(pools[0]!).insert(pgCapabilities).values(held);
    sqliteDrizzle(lite as never).insert(nodeCapabilities).values(held).run();
  }
}

const mission = (realmId: string, id: string, over: Partial<Mission> = {}): Mission => ({
  id, realmId, directiveId: null, parentId: null, title: id, description: null, status: 'queued', priority: 'normal',
  assigneeId: null, createdBy: 'o', billingCode: null, requiredCapabilities: [], blockedBy: [], region: null,
  ...untriedMission, maxAttempts: null, version: 1, startedAt: null, completedAt: null, createdAt: T0, updatedAt: T0,
  ...over,
});

function* insertAll(tx: Repos, list: Mission[]): Step<void> {
  for (const m of list) {
    yield* tx.missions.insert(m);
    if (m.blockedBy.length > 0) yield* tx.missionBlockers.set(m.realmId, m.id, m.blockedBy);
  }
}

const ids = (list: { id: string }[]) => list.map((m) => m.id);

describe('missionRepo on PostgreSQL, as on SQLite', () => {
  it('get, insert and compare-and-swap update; null for a missing mission or a stale version', async () => {
    const R = 'realm-crud';
    await seedRealm(R);
    const m = mission(R, 'm-crud', { requiredCapabilities: ['go', 'sql'], blockedBy: [], region: 'eu', priority: 'high', fence: 3 });
    await both((tx) => insertAll(tx, [m]));
    expect(await both((tx) => tx.missions.get(R, 'm-crud'))).toEqual(m);
    expect(await both((tx) => tx.missions.get(R, 'missing'))).toBeNull();
    expect(await both((tx) => tx.missions.get('realm-other', 'm-crud'))).toBeNull();
    const updated = await both((tx) => tx.missions.update(R, 'm-crud', 1, { priority: 'critical', title: 'renamed', requiredCapabilities: ['web'] }));
    expect(updated).toEqual({ ...m, priority: 'critical', title: 'renamed', requiredCapabilities: ['web'], version: 2 });
    // The version read is gone: the write is refused, nothing changes.
    expect(await both((tx) => tx.missions.update(R, 'm-crud', 1, { title: 'lost' }))).toBeNull();
    expect((await both((tx) => tx.missions.get(R, 'm-crud')))!.title).toBe('renamed');
  });

  it('page: priority, age, then ord; every filter; keyset pages join up to the whole list', async () => {
    const R = 'realm-page';
    await seedRealm(R);
    const list = Array.from({ length: 23 }, (_, i) =>
      mission(R, `p-${String(i).padStart(2, '0')}`, {
        priority: priorities[i % 4],
        status: i % 3 === 0 ? 'active' : 'queued',
        assigneeId: i % 3 === 0 ? `agent-${i % 2}` : null,
        directiveId: i % 5 === 0 ? 'dir-1' : null,
        // Ties on age, so ord decides among them.
        createdAt: at(i % 4),
      }),
    );
    await both((tx) => insertAll(tx, list));
    const whole = await both((tx) => tx.missions.page(R, { after: null, limit: 100 }));
    expect(whole).toHaveLength(23);
    const expected = [...list].sort((a, b) => priorities.indexOf(a.priority) - priorities.indexOf(b.priority) || a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    expect(ids(whole.map((k) => k.record))).toEqual(ids(expected));
    // Pages of 4 by the keys handed out.
    const paged: string[] = [];
    for (let after: (string | number)[] | null = null; ; ) {
      const page = await both((tx) => tx.missions.page(R, { after, limit: 4 }));
      paged.push(...page.map((k) => k.record.id));
      if (page.length < 4) break;
      after = page.at(-1)!.key;
    }
    expect(paged).toEqual(ids(expected));
    const filters = [{ status: 'active' }, { assigneeId: 'agent-1' }, { directiveId: 'dir-1' }, { priority: 'low' }, { status: 'queued', priority: 'high' }] as const;
    for (const filter of filters) {
      const got = await both((tx) => tx.missions.page(R, { after: null, limit: 100, ...filter }));
      expect(ids(got.map((k) => k.record))).toEqual(ids(expected.filter((m) => Object.entries(filter).every(([k, v]) => m[k as keyof Mission] === v))));
    }
    expect(await both((tx) => tx.missions.page(R, { after: null, limit: 100, status: 'review' }))).toEqual([]);
    expect(await both((tx) => tx.missions.page('realm-none', { after: null, limit: 100 }))).toEqual([]);
  });

  it('assignedTo, inStatuses, renewLeases, extendLeases and countByStatus', async () => {
    const R = 'realm-leases';
    await seedRealm(R);
    await both((tx) =>
      insertAll(tx, [
        mission(R, 'l-1', { status: 'active', assigneeId: 'a', leaseExpiresAt: at(60), priority: 'low' }),
        mission(R, 'l-2', { status: 'active', assigneeId: 'a', leaseExpiresAt: null, priority: 'critical' }),
        mission(R, 'l-3', { status: 'review', assigneeId: 'a' }),
        mission(R, 'l-4', { status: 'active', assigneeId: 'b', leaseExpiresAt: at(30) }),
        mission(R, 'l-5', { status: 'failed' }),
      ]),
    );
    expect(ids(await both((tx) => tx.missions.assignedTo(R, 'a', ['active', 'review'])))).toEqual(['l-1', 'l-2', 'l-3']);
    expect(await both((tx) => tx.missions.assignedTo(R, 'a', []))).toEqual([]);
    expect(ids(await both((tx) => tx.missions.inStatuses(R, ['active', 'failed'], 10)))).toEqual(['l-2', 'l-4', 'l-5', 'l-1']);
    expect(ids(await both((tx) => tx.missions.inStatuses(R, ['active', 'failed'], 2)))).toEqual(['l-2', 'l-4']);
    // Every active mission the agent holds, with or without a lease; no version bump.
    expect(await both((tx) => tx.missions.renewLeases(R, 'a', at(120)))).toBe(2);
    expect(await both((tx) => tx.missions.get(R, 'l-2'))).toMatchObject({ leaseExpiresAt: at(120), version: 1 });
    expect(await both((tx) => tx.missions.renewLeases(R, 'nobody', at(120)))).toBe(0);
    // Only the leases that expire.
    expect(await both((tx) => tx.missions.extendLeases(R, at(500)))).toBe(3);
    expect(await both((tx) => tx.missions.extendLeases('realm-none', at(500)))).toBe(0);
    const counts = await both((tx) => tx.missions.countByStatus());
    expect(counts.every((c) => typeof c.count === 'number')).toBe(true);
    expect(counts.map((c) => c.status)).toEqual([...counts.map((c) => c.status)].sort());
  });

  it('takeable and claimNext: capabilities, blockers, retry time, then priority, region and age; null when nothing fits', async () => {
    const R = 'realm-claim';
    await seedRealm(R, 'active', [['agent-go', 'go'], ['agent-go', 'sql'], ['agent-web', 'web']]);
    await both((tx) =>
      insertAll(tx, [
        mission(R, 'c-done', { status: 'complete' }),
        mission(R, 'c-open-blocker', { status: 'active', assigneeId: 'x' }),
        mission(R, 'c-blocked', { priority: 'critical', blockedBy: ['c-open-blocker'] }),
        mission(R, 'c-unblocked', { priority: 'critical', blockedBy: ['c-done'], createdAt: at(5) }),
        mission(R, 'c-retry-later', { priority: 'critical', retryAt: at(100) }),
        mission(R, 'c-retry-due', { priority: 'high', retryAt: at(-1) }),
        mission(R, 'c-go-sql', { priority: 'critical', requiredCapabilities: ['go', 'sql'], createdAt: at(9) }),
        mission(R, 'c-web', { priority: 'critical', requiredCapabilities: ['web'] }),
        mission(R, 'c-other-region', { priority: 'normal', region: 'us', createdAt: at(-10) }),
        mission(R, 'c-no-region', { priority: 'normal', createdAt: at(-5) }),
        mission(R, 'c-my-region', { priority: 'normal', region: 'eu', createdAt: at(1) }),
        mission(R, 'c-backlog', { status: 'backlog', priority: 'critical' }),
      ]),
    );
    const query = { realmId: R, agentId: 'agent-go', region: 'eu', now: T0 };
    const expectedOrder = ['c-unblocked', 'c-go-sql', 'c-retry-due', 'c-my-region', 'c-no-region', 'c-other-region'];
    expect(ids(await both((tx) => tx.missions.takeable({ ...query, limit: 10 })))).toEqual(expectedOrder);
    expect(ids(await both((tx) => tx.missions.takeable({ ...query, limit: 2 })))).toEqual(expectedOrder.slice(0, 2));
    // Without a region, a region-less mission comes before the others of its priority, the rest by age.
    expect(ids(await both((tx) => tx.missions.takeable({ ...query, region: null, limit: 10 }))).slice(3)).toEqual(['c-no-region', 'c-other-region', 'c-my-region']);
    const claimed: Mission[] = [];
    for (let i = 0; i < expectedOrder.length; i++) {
      const m = await both((tx) => tx.missions.claimNext({ ...query, now: at(i), leaseExpiresAt: at(i + 60) }));
      claimed.push(m!);
    }
    expect(ids(claimed)).toEqual(expectedOrder);
    expect(claimed[0]).toMatchObject({ status: 'active', assigneeId: 'agent-go', startedAt: T0, updatedAt: T0, leaseExpiresAt: at(60), fence: 1, version: 2 });
    expect(await both((tx) => tx.missions.claimNext({ ...query, leaseExpiresAt: null }))).toBeNull();
    // The other agent gets only what its capabilities allow; once the blocker completes, the blocked one.
    expect((await both((tx) => tx.missions.claimNext({ ...query, agentId: 'agent-web', leaseExpiresAt: null })))!.id).toBe('c-web');
    await both((tx) => tx.missions.update(R, 'c-open-blocker', 1, { status: 'complete' }));
    expect((await both((tx) => tx.missions.claimNext({ ...query, agentId: 'agent-web', leaseExpiresAt: null })))!.id).toBe('c-blocked');
    expect((await both((tx) => tx.missions.claimNext({ ...query, now: at(100), leaseExpiresAt: null })))!.id).toBe('c-retry-later');
    expect(await both((tx) => tx.missions.claimNext({ ...query, now: at(100), leaseExpiresAt: null }))).toBeNull();
    // Requeued (as a retry does: no assignee), the next checkout moves the fence on from where it was.
    await both((tx) => tx.missions.update(R, 'c-unblocked', 2, { status: 'queued', assigneeId: null, leaseExpiresAt: null }));
    expect(await both((tx) => tx.missions.claimNext({ ...query, now: at(200), leaseExpiresAt: null }))).toMatchObject({ id: 'c-unblocked', fence: 2, version: 4 });
  });

  it('leaseExpired: active missions of active realms, oldest lease first, at most limit; queueCounts', async () => {
    const R = 'realm-expiry';
    const S = 'realm-expiry-suspended';
    await seedRealm(R);
    await seedRealm(S, 'suspended');
    await both((tx) =>
      insertAll(tx, [
        mission(R, 'e-1', { status: 'active', assigneeId: 'a', leaseExpiresAt: at(-10) }),
        mission(R, 'e-2', { status: 'active', assigneeId: 'a', leaseExpiresAt: at(-30) }),
        mission(R, 'e-3', { status: 'active', assigneeId: 'a', leaseExpiresAt: at(-10) }),
        mission(R, 'e-4', { status: 'active', assigneeId: 'a', leaseExpiresAt: at(10) }),
        mission(R, 'e-5', { status: 'review', assigneeId: 'a', leaseExpiresAt: at(-50) }),
        mission(S, 'e-6', { status: 'active', assigneeId: 'a', leaseExpiresAt: at(-50) }),
        mission(R, 'q-1', { priority: 'high', createdAt: at(-3) }),
        mission(R, 'q-2', { priority: 'high', retryAt: at(5), createdAt: at(-7) }),
        mission(R, 'q-3', { priority: 'high', blockedBy: ['e-1'] }),
        mission(R, 'q-4', { status: 'failed', priority: 'low' }),
      ]),
    );
    const expired = await both((tx) => tx.missions.leaseExpired(T0, 10));
    expect(ids(expired).filter((id) => id.startsWith('e-'))).toEqual(['e-2', 'e-1', 'e-3']);
    expect(ids(await both((tx) => tx.missions.leaseExpired(T0, 1)))).toHaveLength(1);
    expect(await both((tx) => tx.missions.queueCounts(R, T0))).toEqual([
      { status: 'active', priority: 'normal', retrying: false, waiting: false, count: 4, oldest: T0 },
      { status: 'failed', priority: 'low', retrying: false, waiting: false, count: 1, oldest: T0 },
      { status: 'queued', priority: 'high', retrying: false, waiting: false, count: 1, oldest: at(-3) },
      { status: 'queued', priority: 'high', retrying: false, waiting: true, count: 1, oldest: T0 },
      { status: 'queued', priority: 'high', retrying: true, waiting: false, count: 1, oldest: at(-7) },
    ]);
    expect(await both((tx) => tx.missions.queueCounts('realm-none', T0))).toEqual([]);
  });
});

describe('missionBlockerRepo on PostgreSQL, as on SQLite', () => {
  it('set replaces the rows; loopThrough finds the loop a new blocker would close, or null', async () => {
    const R = 'realm-loops';
    await seedRealm(R);
    // b waits on a, c on b, d on c and b; x on y and y on x (a stored loop elsewhere).
    await both((tx) => insertAll(tx, ['a', 'b', 'c', 'd', 'x', 'y'].map((id) => mission(R, id))));
    await both(function* (tx) {
      yield* tx.missionBlockers.set(R, 'b', ['a']);
      yield* tx.missionBlockers.set(R, 'c', ['b', 'b']);
      yield* tx.missionBlockers.set(R, 'd', ['c', 'b']);
      yield* tx.missionBlockers.set(R, 'x', ['y']);
      yield* tx.missionBlockers.set(R, 'y', ['x']);
    });
    // a waiting on d: d -> c -> b -> a.
    expect(await both((tx) => tx.missionBlockers.loopThrough(R, 'a', ['d']))).toEqual(['a', 'd', 'b', 'a']);
    expect(await both((tx) => tx.missionBlockers.loopThrough(R, 'a', ['x', 'c']))).toEqual(['a', 'c', 'b', 'a']);
    expect(await both((tx) => tx.missionBlockers.loopThrough(R, 'a', ['x', 'y']))).toBeNull();
    expect(await both((tx) => tx.missionBlockers.loopThrough(R, 'd', ['a']))).toBeNull();
    expect(await both((tx) => tx.missionBlockers.loopThrough(R, 'a', []))).toBeNull();
    // Waiting on itself is a loop of one.
    expect(await both((tx) => tx.missionBlockers.loopThrough(R, 'a', ['a']))).toEqual(['a', 'a']);
    expect(await both((tx) => tx.missionBlockers.loopThrough('realm-none', 'a', ['d']))).toBeNull();
    // Cleared: b waits on nothing, the loop is gone.
    await both((tx) => tx.missionBlockers.set(R, 'b', []));
    expect(await both((tx) => tx.missionBlockers.loopThrough(R, 'a', ['d']))).toBeNull();
  });
});

describe('idempotencyRepo on PostgreSQL, as on SQLite', () => {
  it('reserve once, get, renew, complete, replace, release, forgetRealm and prune', async () => {
    const row = { realmId: 'realm-idem', key: 'k1', function: 'mission_create', inputHash: 'h1', state: 'pending' as const, result: null, createdAt: T0 };
    expect(await both((tx) => tx.idempotency.reserve(row))).toBe(true);
    expect(await both((tx) => tx.idempotency.reserve({ ...row, inputHash: 'h2' }))).toBe(false);
    expect(await both((tx) => tx.idempotency.get('realm-idem', 'k1'))).toEqual(row);
    expect(await both((tx) => tx.idempotency.get('realm-idem', 'k-none'))).toBeNull();
    expect(await both((tx) => tx.idempotency.renew('realm-idem', 'k1', at(-1), at(1)))).toBe(false);
    expect(await both((tx) => tx.idempotency.renew('realm-idem', 'k1', T0, at(1)))).toBe(true);
    // Complete by a holder whose createdAt is stale: nothing.
    await both((tx) => tx.idempotency.complete('realm-idem', 'k1', T0, { id: 'lost' }));
    expect((await both((tx) => tx.idempotency.get('realm-idem', 'k1')))!.state).toBe('pending');
    await both((tx) => tx.idempotency.complete('realm-idem', 'k1', at(1), { id: 'm-1', nested: { list: [1, 'two'] } }));
    expect(await both((tx) => tx.idempotency.get('realm-idem', 'k1'))).toEqual({ ...row, state: 'done', createdAt: at(1), result: { id: 'm-1', nested: { list: [1, 'two'] } } });
    // Release takes only a pending row.
    await both((tx) => tx.idempotency.release('realm-idem', 'k1', at(1)));
    expect(await both((tx) => tx.idempotency.get('realm-idem', 'k1'))).not.toBeNull();
    const fresh = { ...row, inputHash: 'h3', createdAt: at(2) };
    expect(await both((tx) => tx.idempotency.replace(T0, fresh))).toBe(false);
    expect(await both((tx) => tx.idempotency.replace(at(1), fresh))).toBe(true);
    expect(await both((tx) => tx.idempotency.get('realm-idem', 'k1'))).toEqual(fresh);
    await both((tx) => tx.idempotency.release('realm-idem', 'k1', at(2)));
    expect(await both((tx) => tx.idempotency.get('realm-idem', 'k1'))).toBeNull();
    // realm_create answers live under realm '': only the one that made this realm goes.
    const made = (key: string, id: string) => ({ realmId: '', key, function: 'realm_create', inputHash: 'h', state: 'done' as const, result: { id, name: 'n' }, createdAt: at(3) });
    await both(function* (tx) {
      for (const r of [made('rc-1', 'realm-gone'), made('rc-2', 'realm-kept'), { ...made('rc-3', 'realm-gone'), function: 'runtime_register' }]) {
        yield* tx.idempotency.reserve(r);
        yield* tx.idempotency.replace(r.createdAt, r);
      }
      yield* tx.idempotency.forgetRealm('realm-gone');
    });
    expect(await both((tx) => tx.idempotency.get('', 'rc-1'))).toBeNull();
    expect((await both((tx) => tx.idempotency.get('', 'rc-2')))!.result).toEqual({ id: 'realm-kept', name: 'n' });
    expect(await both((tx) => tx.idempotency.get('', 'rc-3'))).not.toBeNull();
    expect(await both((tx) => tx.idempotency.prune(at(4)))).toBe(2);
    expect(await both((tx) => tx.idempotency.prune(at(4)))).toBe(0);
  });
});

describe('proposalRepo on PostgreSQL, as on SQLite', () => {
  it('get, insert, update, page newest first with filters and keys, pending oldest first', async () => {
    const R = 'realm-council';
    const proposal = (i: number): Proposal => ({
      id: `pr-${i}`, realmId: R, kind: i % 2 ? 'custom' : 'hire_agent', status: i % 3 === 0 ? 'approved' : 'pending', title: `p${i}`,
      payload: i % 2 ? null : { agentId: `agent-${i}`, nested: { ok: true } }, requestedBy: 'o', decidedBy: null, decisionNote: null, decidedAt: null,
      effect: null, version: 1, createdAt: at(i),
    });
    await both(function* (tx) {
      for (let i = 0; i < 9; i++) yield* tx.proposals.insert(proposal(i));
    });
    expect(await both((tx) => tx.proposals.get(R, 'pr-2'))).toEqual(proposal(2));
    expect(await both((tx) => tx.proposals.get(R, 'pr-none'))).toBeNull();
    const decided = await both((tx) => tx.proposals.update(R, 'pr-1', 1, { status: 'rejected', decidedBy: 'o', decidedAt: at(20), effect: { kind: 'x' } }));
    expect(decided).toEqual({ ...proposal(1), status: 'rejected', decidedBy: 'o', decidedAt: at(20), effect: { kind: 'x' }, version: 2 });
    expect(await both((tx) => tx.proposals.update(R, 'pr-1', 1, { status: 'approved' }))).toBeNull();
    const first = await both((tx) => tx.proposals.page(R, { after: null, limit: 4 }));
    expect(ids(first.map((k) => k.record))).toEqual(['pr-8', 'pr-7', 'pr-6', 'pr-5']);
    const second = await both((tx) => tx.proposals.page(R, { after: first.at(-1)!.key, limit: 4 }));
    expect(ids(second.map((k) => k.record))).toEqual(['pr-4', 'pr-3', 'pr-2', 'pr-1']);
    expect(ids((await both((tx) => tx.proposals.page(R, { after: null, limit: 10, status: 'pending', kind: 'hire_agent' }))).map((k) => k.record))).toEqual(['pr-8', 'pr-4', 'pr-2']);
    expect(ids(await both((tx) => tx.proposals.pending(R)))).toEqual(['pr-2', 'pr-4', 'pr-5', 'pr-7', 'pr-8']);
    expect(await both((tx) => tx.proposals.pending('realm-none'))).toEqual([]);
  });
});

describe('several instances on one PostgreSQL', () => {
  let instances: pg.Pool[] = [];
  beforeAll(async () => {
    const url = await server.createDatabase();
    await migratePostgres(url);
    instances = Array.from({ length: INSTANCES }, (_, i) => createPool(url, { max: WORKERS_PER_INSTANCE, applicationName: `instance-${i}` }));
    pools.push(...instances);
  });

  it('claimNext from every worker of every instance hands each mission out once, to an agent with its capabilities, most urgent first', async () => {
    const R = 'realm-race';
    const CAPABILITIES = ['python', 'go', 'sql', 'web'];
    const agents = Array.from({ length: INSTANCES * WORKERS_PER_INSTANCE }, (_, i) => `agent-${i}`);
    // As test/concurrency/claims.test.ts: the first agents hold every capability, the others one or two or none.
    const capabilitiesOf = (i: number) => (i < 3 ? CAPABILITIES : i % 3 === 0 ? [] : [CAPABILITIES[i % 4]!, ...(i % 2 ? [CAPABILITIES[(i + 1) % 4]!] : [])]);
    const requiredOf = (m: number) => (m % 3 === 0 ? [] : m % 3 === 1 ? [CAPABILITIES[m % 4]!] : [CAPABILITIES[m % 4]!, CAPABILITIES[(m + 1) % 4]!]);
    const db = drizzle(instances[0]!);
    await db.insert(pgCapabilities).values(agents.flatMap((agentId, i) => capabilitiesOf(i).map((capability) => ({ realmId: R, agentId, capability }))));
    const MISSIONS = 200;
    await onPg(
      (tx) => insertAll(tx, Array.from({ length: MISSIONS }, (_, m) => mission(R, `race-${m}`, { priority: priorities[m % 4], requiredCapabilities: requiredOf(m), createdAt: at(m) }))),
      instances[0],
    );
    const claims = await Promise.all(
      agents.map(async (agentId, i) => {
        const mine: Mission[] = [];
        for (;;) {
          const m = await onPg((tx) => tx.missions.claimNext({ realmId: R, agentId, region: null, now: T0, leaseExpiresAt: at(60) }), instances[i % INSTANCES]);
          if (m === null) return mine;
          mine.push(m);
        }
      }),
    );
    const all = claims.flat();
    expect(all).toHaveLength(MISSIONS);
    expect(new Set(ids(all)).size).toBe(MISSIONS);
    claims.forEach((mine, i) => {
      for (const m of mine) {
        expect(m.requiredCapabilities.filter((r) => !capabilitiesOf(i).includes(r))).toEqual([]);
        expect(m).toMatchObject({ fence: 1, assigneeId: agents[i], status: 'active' });
      }
      // No mission appears while claiming: each agent's claims go from critical down, never back up.
      const ranks = mine.map((m) => priorities.indexOf(m.priority));
      expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    });
    // Every instance took part, and the table agrees with what was handed out.
    expect(new Set(claims.flatMap((mine, i) => (mine.length > 0 ? [i % INSTANCES] : []))).size).toBe(INSTANCES);
    const stored = await onPg((tx) => tx.missions.inStatuses(R, ['queued', 'active'], MISSIONS + 1), instances[1]);
    expect(Object.fromEntries(stored.map((m) => [m.id, [m.status, m.assigneeId]]))).toEqual(Object.fromEntries(all.map((m) => [m.id, ['active', m.assigneeId]])));
  });

  it('idempotency reserve from every worker of every instance at once: each key is reserved exactly once', async () => {
    const keys = Array.from({ length: 25 }, (_, i) => `key-${i}`);
    const attempts = keys.flatMap((key) =>
      instances.flatMap((pool, i) =>
        Array.from({ length: WORKERS_PER_INSTANCE }, (_, w) => {
          const holder = `instance-${i}/worker-${w}`;
          const row = { realmId: 'realm-race', key, function: 'mission_create', inputHash: holder, state: 'pending' as const, result: null, createdAt: T0 };
          return onPg((tx) => tx.idempotency.reserve(row), pool).then((won) => ({ key, holder, won }));
        }),
      ),
    );
    const outcomes = await Promise.all(attempts);
    const winners = outcomes.filter((o) => o.won);
    expect(winners.map((w) => w.key).sort()).toEqual([...keys].sort());
    // The stored row is the winner's.
    for (const w of winners) expect((await onPg((tx) => tx.idempotency.get('realm-race', w.key), instances[0]))!.inputHash).toBe(w.holder);
  });
});
