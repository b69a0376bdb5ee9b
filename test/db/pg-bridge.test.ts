// Runtimes, bridge runs and agent sessions on PostgreSQL (src/db/pg/repos/bridge.ts), through units of work
// on a real server: records read back as written, the orders and null cases the port promises, a run finished
// once and a guard crossing recorded once however many instances try at the same moment.
import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { runRepo, runtimeRepo, sessionRepo } from '../../src/db/pg/repos/bridge.js';
import { inTransaction } from '../../src/db/pg/unit-of-work.js';
import type { Run, Runtime } from '../../src/domain/bridge/model.js';
import type { RunRepo, RuntimeRepo, SessionRepo, Step } from '../../src/domain/store.js';
import { instancePools } from '../helpers/pg-pools.js';

const INSTANCES = 3;
const WORKERS = 4;

interface Repos {
  runtimes: RuntimeRepo;
  runs: RunRepo;
  sessions: SessionRepo;
}

const pools = instancePools(INSTANCES, WORKERS);

async function unit<T>(work: (tx: Repos) => Step<T>, pool = pools[0]!): Promise<T> {
  const client = await pool.connect();
  try {
    return await inTransaction(client, 'BEGIN', () => {
      const db = drizzle(client);
      return { runtimes: runtimeRepo(db), runs: runRepo(db), sessions: sessionRepo(db) };
    }, work);
  } finally {
    client.release();
  }
}

function everyone<T>(attempt: (pool: pg.Pool, who: string) => Promise<T>): Promise<{ who: string; value: T }[]> {
  return Promise.all(pools.flatMap((pool, i) => Array.from({ length: WORKERS }, async (_, w) => ({ who: `instance-${i}/worker-${w}`, value: await attempt(pool, `instance-${i}/worker-${w}`) }))));
}

const runtime = (id: string, realmId: string | null, over: Partial<Runtime> = {}): Runtime => ({
  id, realmId, kind: 'process', name: id, command: 'node', args: ['-e', 'x'], url: null, headers: null, envVars: { A: '1' }, inheritEnv: ['PATH', 'LC_*'],
  workDir: null, timeoutSecs: 60, model: null, connectControlPlane: false, permissions: null, version: 1, createdAt: '2026-11-26T00:00:00.000Z', ...over,
});

const run = (id: string, over: Partial<Run> = {}): Run => ({
  id, runtimeId: 'rt-1', realmId: 'realm-1', agentId: 'agent-1', missionId: null, status: 'running', output: null, outputTruncated: false, error: null,
  stderrTruncated: false, exitCode: null, signal: null, sessionId: null, usage: null, costCents: null, provider: null, model: null, permissionDenials: null,
  ownerInstanceId: 'instance-a', startedAt: '2026-11-26T00:00:00.000Z', finishedAt: null, ...over,
});

describe('runtimes', () => {
  it('reads a runtime back as written, null when unknown', async () => {
    const rt = runtime('rt-read', 'realm-rt-read', { kind: 'http', command: null, url: 'http://x', headers: { Authorization: 'b' }, permissions: 'edit', connectControlPlane: true });
    await unit((tx) => tx.runtimes.insert(rt));
    expect(await unit((tx) => tx.runtimes.get('rt-read'))).toEqual(rt);
    expect(await unit((tx) => tx.runtimes.get('rt-none'))).toBeNull();
  });

  it("pages newest first: a realm's own runtimes with the global ones, by kind, keyset by ord", async () => {
    await unit(function* (tx) {
      yield* tx.runtimes.insert(runtime('pg-global-1', null));
      yield* tx.runtimes.insert(runtime('pg-mine-1', 'realm-page'));
      yield* tx.runtimes.insert(runtime('pg-other-1', 'realm-page-other'));
      yield* tx.runtimes.insert(runtime('pg-mine-2', 'realm-page', { kind: 'codex' }));
      yield* tx.runtimes.insert(runtime('pg-global-2', null, { kind: 'codex' }));
    });
    const ids = (page: { record: Runtime }[]) => page.map((p) => p.record.id).filter((id) => id.startsWith('pg-'));
    expect(ids(await unit((tx) => tx.runtimes.page({ realmId: 'realm-page', after: null, limit: 10 })))).toEqual(['pg-global-2', 'pg-mine-2', 'pg-mine-1', 'pg-global-1']);
    expect(ids(await unit((tx) => tx.runtimes.page({ realmId: 'realm-page', kind: 'codex', after: null, limit: 10 })))).toEqual(['pg-global-2', 'pg-mine-2']);
    expect(ids(await unit((tx) => tx.runtimes.page({ after: null, limit: 10 })))).toEqual(['pg-global-2', 'pg-mine-2', 'pg-other-1', 'pg-mine-1', 'pg-global-1']);

    const first = await unit((tx) => tx.runtimes.page({ realmId: 'realm-page', after: null, limit: 2 }));
    expect(first.map((p) => p.key)).toEqual(first.map((p) => [expect.any(Number)]));
    expect(first[0]!.key[0]! > first[1]!.key[0]!).toBe(true);
    const second = await unit((tx) => tx.runtimes.page({ realmId: 'realm-page', after: first[1]!.key, limit: 2 }));
    expect(ids([...first, ...second])).toEqual(['pg-global-2', 'pg-mine-2', 'pg-mine-1', 'pg-global-1']);
    // Past the last one: none of this test's (runtimes of other tests, inserted earlier, may follow).
    expect(ids(await unit((tx) => tx.runtimes.page({ realmId: 'realm-page', after: second[1]!.key, limit: 10 })))).toEqual([]);
  });
});

describe('bridge runs', () => {
  it('reads a run back as written (cost in cents, JSON as values), and finishes it only while running', async () => {
    const started = run('run-read', { usage: { inputTokens: 10, outputTokens: 2, cachedInputTokens: 0 }, permissionDenials: [{ tool: 'Bash', input: { cmd: 'rm' } }], costCents: 1.25 });
    await unit((tx) => tx.runs.insert(started));
    expect(await unit((tx) => tx.runs.get('run-read'))).toEqual(started);
    expect(await unit((tx) => tx.runs.get('run-none'))).toBeNull();

    const finished = await unit((tx) => tx.runs.finish('run-read', { status: 'completed', output: 'ok', exitCode: 0, costCents: 3.5, finishedAt: '2026-11-26T00:01:00.000Z' }));
    expect(finished).toEqual({ ...started, status: 'completed', output: 'ok', exitCode: 0, costCents: 3.5, finishedAt: '2026-11-26T00:01:00.000Z' });
    expect(await unit((tx) => tx.runs.finish('run-read', { status: 'failed' }))).toBeNull();
    expect(await unit((tx) => tx.runs.finish('run-none', { status: 'failed' }))).toBeNull();
    // A patch without a cost keeps it; a null cost clears it.
    await unit((tx) => tx.runs.insert(run('run-cost', { costCents: 2 })));
    expect((await unit((tx) => tx.runs.finish('run-cost', { status: 'failed', costCents: null })))!.costCents).toBeNull();
  });

  it('is finished by exactly one of many instances finishing it at once', async () => {
    await unit((tx) => tx.runs.insert(run('run-race', { realmId: 'realm-race' })));
    const results = await everyone((pool, who) => unit((tx) => tx.runs.finish('run-race', { status: 'cancelled', error: who }), pool));
    const winners = results.filter((r) => r.value);
    expect(winners).toHaveLength(1);
    expect(winners[0]!.value!.error).toBe(winners[0]!.who);
    expect((await unit((tx) => tx.runs.get('run-race')))!.error).toBe(winners[0]!.who);
  });

  it("keeps a run's process, and cancel requests only for running runs", async () => {
    await unit(function* (tx) {
      yield* tx.runs.insert(run('run-proc'));
      yield* tx.runs.insert(run('run-proc-done', { status: 'completed' }));
      yield* tx.runs.setProcess('run-proc', { pid: 4242, processStart: '12345' });
    });
    expect(await unit((tx) => tx.runs.process('run-proc'))).toEqual({ pid: 4242, processStart: '12345' });
    expect(await unit((tx) => tx.runs.process('run-proc-done'))).toEqual({ pid: null, processStart: null });
    expect(await unit((tx) => tx.runs.process('run-none'))).toEqual({ pid: null, processStart: null });
    // The process is not part of the run's record.
    expect(await unit((tx) => tx.runs.get('run-proc'))).toEqual(run('run-proc'));

    expect(await unit((tx) => tx.runs.cancelRequested(['run-proc', 'run-proc-done']))).toEqual([]);
    await unit(function* (tx) {
      yield* tx.runs.requestCancel('run-proc');
      yield* tx.runs.requestCancel('run-proc-done');
    });
    expect(await unit((tx) => tx.runs.cancelRequested(['run-proc', 'run-proc-done', 'run-none']))).toEqual(['run-proc']);
    expect(await unit((tx) => tx.runs.cancelRequested([]))).toEqual([]);
  });

  it("finds running runs by owner, agent and realm, and counts what the runaway guards count", async () => {
    const realmId = 'realm-guards';
    await unit(function* (tx) {
      yield* tx.runs.insert(run('g-1', { realmId, agentId: 'a1', runtimeId: 'rt-a', ownerInstanceId: 'inst-live', startedAt: '2026-11-26T10:00:00.000Z' }));
      yield* tx.runs.insert(run('g-2', { realmId, agentId: 'a1', runtimeId: 'rt-b', ownerInstanceId: 'inst-dead', startedAt: '2026-11-26T10:05:00.000Z' }));
      yield* tx.runs.insert(run('g-3', { realmId, agentId: 'a2', runtimeId: 'rt-a', ownerInstanceId: 'inst-dead', startedAt: '2026-11-26T10:10:00.000Z', status: 'completed' }));
      yield* tx.runs.insert(run('g-4', { realmId, agentId: 'a2', runtimeId: 'rt-a', ownerInstanceId: 'inst-dead', startedAt: '2026-11-26T09:00:00.000Z' }));
      yield* tx.runs.insert(run('g-other', { realmId: 'realm-guards-other', agentId: 'a1', runtimeId: 'rt-a', ownerInstanceId: 'inst-gone', startedAt: '2026-11-26T10:00:00.000Z' }));
      yield* tx.runs.insert(run('g-global', { realmId: null, agentId: 'a1', runtimeId: 'rt-a', ownerInstanceId: 'inst-gone', startedAt: '2026-11-26T10:00:00.000Z' }));
    });
    const ours = (runs: Run[]) => runs.map((r) => r.id).filter((id) => id.startsWith('g-'));
    expect(ours(await unit((tx) => tx.runs.orphaned(['inst-live', 'inst-other'])))).toEqual(['g-2', 'g-4', 'g-other', 'g-global']);
    // No live instance at all: every running run is an orphan.
    expect(ours(await unit((tx) => tx.runs.orphaned([])))).toEqual(['g-1', 'g-2', 'g-4', 'g-other', 'g-global']);
    expect((await unit((tx) => tx.runs.runningFor(realmId, 'a1'))).map((r) => r.id).sort()).toEqual(['g-1', 'g-2']);
    expect(await unit((tx) => tx.runs.runningFor(realmId, 'nobody'))).toEqual([]);
    expect((await unit((tx) => tx.runs.runningInRealm(realmId))).map((r) => r.id).sort()).toEqual(['g-1', 'g-2', 'g-4']);
    const running = await unit((tx) => tx.runs.running(realmId));
    expect([...running].sort((a, b) => a.id.localeCompare(b.id))).toEqual([
      { id: 'g-1', agentId: 'a1', runtimeId: 'rt-a', startedAt: '2026-11-26T10:00:00.000Z' },
      { id: 'g-2', agentId: 'a1', runtimeId: 'rt-b', startedAt: '2026-11-26T10:05:00.000Z' },
      { id: 'g-4', agentId: 'a2', runtimeId: 'rt-a', startedAt: '2026-11-26T09:00:00.000Z' },
    ]);
    expect(await unit((tx) => tx.runs.running('realm-none'))).toEqual([]);

    // Started at or after `since`, finished or not; as numbers, not PostgreSQL's bigint strings.
    const since = '2026-11-26T10:00:00.000Z';
    expect(await unit((tx) => tx.runs.startedSince(realmId, since, {}))).toBe(3);
    expect(await unit((tx) => tx.runs.startedSince(realmId, since, { agentId: 'a1' }))).toBe(2);
    expect(await unit((tx) => tx.runs.startedSince(realmId, since, { runtimeId: 'rt-a' }))).toBe(2);
    expect(await unit((tx) => tx.runs.startedSince(realmId, since, { agentId: 'a2', runtimeId: 'rt-a' }))).toBe(1);
    expect(await unit((tx) => tx.runs.startedSince(realmId, '2026-11-26T10:05:00.001Z', {}))).toBe(1);
    expect(await unit((tx) => tx.runs.startedSince('realm-none', since, {}))).toBe(0);
  });

  it('records a guard crossing once per window, however many instances cross it at once', async () => {
    const crossing = { realmId: 'realm-cross', scope: 'agent', scopeId: 'a1', kind: 'runs_per_hour', window: '2026-11-26T10', createdAt: '2026-11-26T10:00:00.000Z' };
    const results = await everyone((pool, who) => unit((tx) => tx.runs.recordCrossing({ ...crossing, createdAt: `2026-11-26T10:00:00.000Z ${who}` }), pool));
    expect(results.filter((r) => r.value)).toHaveLength(1);
    expect(await unit((tx) => tx.runs.recordCrossing(crossing))).toBe(false);
    // Another window, kind or scope is another crossing.
    expect(await unit((tx) => tx.runs.recordCrossing({ ...crossing, window: '2026-11-26T11' }))).toBe(true);
    expect(await unit((tx) => tx.runs.recordCrossing({ ...crossing, kind: 'concurrent_runs' }))).toBe(true);
    expect(await unit((tx) => tx.runs.recordCrossing({ ...crossing, scope: 'realm', scopeId: 'realm-cross' }))).toBe(true);
  });
});

describe('agent sessions', () => {
  it('sets, replaces, reads and clears the session of (realm, agent, runtime)', async () => {
    expect(await unit((tx) => tx.sessions.get('realm-s', 'a1', 'rt-1'))).toBeNull();
    await unit((tx) => tx.sessions.set('realm-s', 'a1', 'rt-1', { sessionId: 'sess-1', usage: { inputTokens: 1 } }, '2026-11-26T00:00:00.000Z'));
    await unit((tx) => tx.sessions.set('realm-s', 'a1', 'rt-2', { sessionId: 'sess-other', usage: null }, '2026-11-26T00:00:00.000Z'));
    expect(await unit((tx) => tx.sessions.get('realm-s', 'a1', 'rt-1'))).toEqual({ sessionId: 'sess-1', usage: { inputTokens: 1 } });
    await unit((tx) => tx.sessions.set('realm-s', 'a1', 'rt-1', { sessionId: 'sess-2', usage: [1, 2] }, '2026-11-26T00:01:00.000Z'));
    expect(await unit((tx) => tx.sessions.get('realm-s', 'a1', 'rt-1'))).toEqual({ sessionId: 'sess-2', usage: [1, 2] });
    await unit((tx) => tx.sessions.clear('realm-s', 'a1', 'rt-1'));
    expect(await unit((tx) => tx.sessions.get('realm-s', 'a1', 'rt-1'))).toBeNull();
    expect(await unit((tx) => tx.sessions.get('realm-s', 'a1', 'rt-2'))).toEqual({ sessionId: 'sess-other', usage: null });
  });
});
