// Pulses and processes on PostgreSQL (src/db/pg/repos/pulses.ts), through units of work on a real server.
// Several pools stand for several instances: each cron slot is claimed once, each due retry is taken once,
// the named lease has one holder at a time and passes to another instance once it has expired.
import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { processRepo, pulseRepo } from '../../src/db/pg/repos/pulses.js';
import { inTransaction } from '../../src/db/pg/unit-of-work.js';
import type { PulseConfig, PulseRun } from '../../src/domain/pulse/model.js';
import type { ProcessRepo, PulseRepo, Step } from '../../src/domain/store.js';
import { instancePools } from '../helpers/pg-pools.js';

const INSTANCES = 3;
const WORKERS = 4;
const READ_COMMITTED = 'BEGIN';
const REPEATABLE_READ = 'BEGIN ISOLATION LEVEL REPEATABLE READ';

interface Repos {
  pulses: PulseRepo;
  processes: ProcessRepo;
}

const pools = instancePools(INSTANCES, WORKERS);

/** One unit of work on a connection of `pool` (instance 0 by default), as the store will run it. */
async function unit<T>(work: (tx: Repos) => Step<T>, pool = pools[0]!, begin = READ_COMMITTED): Promise<T> {
  const client = await pool.connect();
  try {
    return await inTransaction(client, begin, () => {
      const db = drizzle(client);
      return { pulses: pulseRepo(db), processes: processRepo(db) };
    }, work);
  } finally {
    client.release();
  }
}

/** Every worker of every instance runs `attempt` at once; what each returned, with who it was. */
function everyone<T>(attempt: (pool: pg.Pool, who: string) => Promise<T>): Promise<{ who: string; value: T }[]> {
  return Promise.all(pools.flatMap((pool, i) => Array.from({ length: WORKERS }, async (_, w) => ({ who: `instance-${i}/worker-${w}`, value: await attempt(pool, `instance-${i}/worker-${w}`) }))));
}

const config = (realmId: string, agentId: string, enabled = true): PulseConfig => ({
  realmId, agentId, cron: '* * * * * *', timezone: 'UTC', enabled, contextMode: 'thin', runtimeId: null, timeoutSecs: null,
  maxRetries: 2, skipWhenIdle: false, version: 1, createdAt: '2026-11-26T00:00:00.000Z', updatedAt: '2026-11-26T00:00:00.000Z',
});

const pulseRun = (id: string, realmId: string, agentId: string, over: Partial<PulseRun> = {}): PulseRun => ({
  id, realmId, agentId, source: 'cron', status: 'running', attempt: 1, skipReason: null, skipCount: 0, bridgeRunId: null,
  contextSnapshot: null, nextAttemptAt: null, startedAt: '2026-11-26T00:00:00.000Z', finishedAt: null, error: null, ...over,
});

describe('cron slots across instances', () => {
  it.each([
    ['read committed', READ_COMMITTED],
    ['repeatable read', REPEATABLE_READ],
  ])('claimSlot gives each slot to exactly one of all the instances claiming it at once (%s)', async (label, begin) => {
    const realmId = `realm-slots-${label.replace(' ', '-')}`;
    const slots = Array.from({ length: 10 }, (_, i) => `2026-11-26T00:00:${String(i).padStart(2, '0')}.000Z`);
    const won = new Map<string, string[]>();
    await everyone(async (pool, who) => {
      for (const slot of slots) {
        if (await unit((tx) => tx.pulses.claimSlot(realmId, 'agent-1', slot, who), pool, begin)) won.set(slot, [...(won.get(slot) ?? []), who]);
      }
    });
    expect([...won.keys()].sort()).toEqual(slots);
    expect([...won.values()].every((winners) => winners.length === 1)).toBe(true);
    // Once taken, a slot stays taken; another agent's same time is its own slot.
    expect(await unit((tx) => tx.pulses.claimSlot(realmId, 'agent-1', slots[0]!, 'late'), pools[2])).toBe(false);
    expect(await unit((tx) => tx.pulses.claimSlot(realmId, 'agent-2', slots[0]!, 'late'), pools[2])).toBe(true);
  });

  it('insertRun inserts one cron run per slot across instances, and any number of runs with no slot', async () => {
    const realmId = 'realm-cron-runs';
    const slot = '2026-11-26T01:00:00.000Z';
    const results = await everyone((pool, who) => unit((tx) => tx.pulses.insertRun({ ...pulseRun(`run-${who}`, realmId, 'agent-1'), scheduledFor: slot }), pool));
    expect(results.filter((r) => r.value)).toHaveLength(1);
    const winner = results.find((r) => r.value)!.who;
    expect((await unit((tx) => tx.pulses.runs(realmId, 'agent-1', 100))).map((r) => r.id)).toEqual([`run-${winner}`]);

    // Manual runs carry no slot: the partial unique index leaves them alone.
    expect(await unit((tx) => tx.pulses.insertRun({ ...pulseRun('manual-1', realmId, 'agent-1', { source: 'manual' }), scheduledFor: null }))).toBe(true);
    expect(await unit((tx) => tx.pulses.insertRun({ ...pulseRun('manual-2', realmId, 'agent-1', { source: 'manual' }), scheduledFor: null }))).toBe(true);
    // As SQLite's INSERT OR IGNORE: a run whose id is taken is not inserted either, and nothing is thrown.
    expect(await unit((tx) => tx.pulses.insertRun({ ...pulseRun('manual-1', realmId, 'agent-1', { status: 'dead' }), scheduledFor: null }))).toBe(false);
    expect((await unit((tx) => tx.pulses.run('manual-1')))!.status).toBe('running');
  });
});

describe('pulse retries across instances', () => {
  it('dueRetries lists the due ones by retry time; each is claimed once however many instances try', async () => {
    const realmId = 'realm-retries';
    const now = '2026-11-26T02:00:00.000Z';
    await unit(function* (tx) {
      yield* tx.pulses.insertRun({ ...pulseRun('retry-late', realmId, 'agent-1', { status: 'failed', nextAttemptAt: '2026-11-26T01:59:30.000Z' }), scheduledFor: null });
      yield* tx.pulses.insertRun({ ...pulseRun('retry-early', realmId, 'agent-1', { status: 'failed', nextAttemptAt: '2026-11-26T01:58:00.000Z' }), scheduledFor: null });
      yield* tx.pulses.insertRun({ ...pulseRun('retry-now', realmId, 'agent-2', { status: 'failed', nextAttemptAt: now }), scheduledFor: null });
      yield* tx.pulses.insertRun({ ...pulseRun('retry-future', realmId, 'agent-2', { status: 'failed', nextAttemptAt: '2026-11-26T02:00:00.001Z' }), scheduledFor: null });
      yield* tx.pulses.insertRun({ ...pulseRun('no-retry', realmId, 'agent-2', { status: 'failed' }), scheduledFor: null });
    });
    const due = await unit((tx) => tx.pulses.dueRetries(now));
    expect(due.map((r) => r.id)).toEqual(['retry-early', 'retry-late', 'retry-now']);
    expect(due[0]).toEqual(pulseRun('retry-early', realmId, 'agent-1', { status: 'failed', nextAttemptAt: '2026-11-26T01:58:00.000Z' }));

    // Every worker of every instance sees the same due list and tries to take each (both isolation levels).
    const taken = await everyone(async (pool, who) => {
      const mine: string[] = [];
      for (const run of due) {
        const begin = who.endsWith('0') ? REPEATABLE_READ : READ_COMMITTED;
        const claimed = await unit((tx) => tx.pulses.claimRetry(run.id), pool, begin);
        if (claimed) {
          expect(claimed).toMatchObject({ id: run.id, nextAttemptAt: null });
          mine.push(run.id);
        }
      }
      return mine;
    });
    expect(taken.flatMap((t) => t.value).sort()).toEqual(['retry-early', 'retry-late', 'retry-now']);
    expect(await unit((tx) => tx.pulses.dueRetries(now))).toEqual([]);
    expect(await unit((tx) => tx.pulses.dueRetries('2026-11-26T03:00:00.000Z'))).toMatchObject([{ id: 'retry-future' }]);
    expect(await unit((tx) => tx.pulses.claimRetry('no-retry'))).toBeNull();
    expect(await unit((tx) => tx.pulses.claimRetry('no-such-run'))).toBeNull();
  });
});

describe('the named lease across instances', () => {
  const t = (s: number) => new Date(Date.UTC(2026, 10, 26, 3, 0, s)).toISOString();

  it('is held by one instance until it expires, renewed by its holder, then taken over by another', async () => {
    const [a, b] = [pools[0]!, pools[1]!];
    const lease = (pool: pg.Pool, holder: string, now: number, until: number) => unit((tx) => tx.processes.lease('chores', holder, t(now), t(until)), pool);
    expect(await lease(a, 'instance-a', 0, 10)).toBe(true);
    expect(await lease(b, 'instance-b', 1, 11)).toBe(false);
    // Its holder renews it before it runs out; the other still cannot take it.
    expect(await lease(a, 'instance-a', 9, 19)).toBe(true);
    expect(await lease(b, 'instance-b', 12, 22)).toBe(false);
    // At the expiry time itself it is still held (expired means strictly before now).
    expect(await lease(b, 'instance-b', 19, 29)).toBe(false);
    // instance-a died and stopped renewing: past its expiry, instance-b takes it over, and instance-a cannot
    // take it back.
    expect(await lease(b, 'instance-b', 20, 30)).toBe(true);
    expect(await lease(a, 'instance-a', 21, 31)).toBe(false);
    // Releasing is for the holder only.
    await unit((tx) => tx.processes.releaseLease('chores', 'instance-a'), a);
    expect(await lease(a, 'instance-a', 22, 32)).toBe(false);
    await unit((tx) => tx.processes.releaseLease('chores', 'instance-b'), b);
    expect(await lease(a, 'instance-a', 23, 33)).toBe(true);
  });

  it.each([
    ['free', null],
    ['expired', 'instance-dead'],
  ])('when %s, exactly one of many instances taking it at once gets it', async (state, previous) => {
    const name = `race-${state}`;
    if (previous) expect(await unit((tx) => tx.processes.lease(name, previous, t(0), t(5)))).toBe(true);
    const results = await everyone((pool, who) => unit((tx) => tx.processes.lease(name, who, t(10), t(40)), pool, who.endsWith('1') ? REPEATABLE_READ : READ_COMMITTED));
    const winners = results.filter((r) => r.value).map((r) => r.who);
    expect(winners).toHaveLength(1);
    // The table agrees: the winner holds it, and only the winner can renew it.
    expect(await unit((tx) => tx.processes.lease(name, winners[0]!, t(20), t(50)))).toBe(true);
    expect(await unit((tx) => tx.processes.lease(name, 'someone-else', t(21), t(51)))).toBe(false);
  });
});

describe('instances', () => {
  it('registers once, heartbeats, lists the live ones by heartbeat and forgets removed ones', async () => {
    await unit(function* (tx) {
      yield* tx.processes.register({ id: 'proc-1', pid: 11, host: 'h1', at: '2026-11-26T04:00:00.000Z' });
      yield* tx.processes.register({ id: 'proc-2', pid: 12, host: 'h2', at: '2026-11-26T04:00:00.000Z' });
      // Registering again is a no-op (a restart under the same id keeps the row).
      yield* tx.processes.register({ id: 'proc-1', pid: 99, host: 'h9', at: '2026-11-26T03:00:00.000Z' });
      yield* tx.processes.heartbeat('proc-2', '2026-11-26T04:00:30.000Z');
      yield* tx.processes.heartbeat('no-such-proc', '2026-11-26T04:00:30.000Z');
    });
    expect((await unit((tx) => tx.processes.live('2026-11-26T04:00:00.000Z'))).sort()).toEqual(['proc-1', 'proc-2']);
    expect(await unit((tx) => tx.processes.live('2026-11-26T04:00:00.001Z'))).toEqual(['proc-2']);
    await unit((tx) => tx.processes.remove('proc-2'));
    expect(await unit((tx) => tx.processes.live('2026-11-26T00:00:00.000Z'))).toEqual(['proc-1']);
  });
});

describe('pulse configs and runs', () => {
  it('stores configs as given, lists them in insertion order, updates them by version and deletes them', async () => {
    const realmId = 'realm-configs';
    await unit(function* (tx) {
      yield* tx.pulses.insertConfig(config(realmId, 'agent-b'));
      yield* tx.pulses.insertConfig(config(realmId, 'agent-a', false));
      yield* tx.pulses.insertConfig(config('realm-configs-other', 'agent-c'));
    });
    expect(await unit((tx) => tx.pulses.config(realmId, 'agent-b'))).toEqual(config(realmId, 'agent-b'));
    expect(await unit((tx) => tx.pulses.config(realmId, 'nobody'))).toBeNull();
    expect((await unit((tx) => tx.pulses.configs(realmId))).map((c) => c.agentId)).toEqual(['agent-b', 'agent-a']);
    const enabled = (await unit((tx) => tx.pulses.enabledConfigs())).filter((c) => c.realmId.startsWith('realm-configs'));
    expect(enabled.map((c) => c.agentId)).toEqual(['agent-b', 'agent-c']);

    const updated = await unit((tx) => tx.pulses.updateConfig(realmId, 'agent-a', 1, { enabled: true, cron: '0 * * * *', timezone: undefined }));
    expect(updated).toEqual({ ...config(realmId, 'agent-a'), cron: '0 * * * *', version: 2 });
    // A stale version changes nothing.
    expect(await unit((tx) => tx.pulses.updateConfig(realmId, 'agent-a', 1, { cron: 'stale' }))).toBeNull();
    expect(await unit((tx) => tx.pulses.updateConfig(realmId, 'nobody', 1, { cron: 'x' }))).toBeNull();
    await unit((tx) => tx.pulses.deleteConfig(realmId, 'agent-b'));
    expect((await unit((tx) => tx.pulses.configs(realmId))).map((c) => c.agentId)).toEqual(['agent-a']);
  });

  it('lists runs newest first, the latest, the running ones and the dead letters; updates a run by id', async () => {
    const realmId = 'realm-runs';
    await unit(function* (tx) {
      yield* tx.pulses.insertRun({ ...pulseRun('r1', realmId, 'agent-1', { status: 'dead', contextSnapshot: { missions: [1, 2], note: 'x' } }), scheduledFor: '2026-11-26T05:00:00.000Z' });
      yield* tx.pulses.insertRun({ ...pulseRun('r2', realmId, 'agent-1'), scheduledFor: '2026-11-26T05:01:00.000Z' });
      yield* tx.pulses.insertRun({ ...pulseRun('r3', realmId, 'agent-1', { status: 'dead' }), scheduledFor: null });
      yield* tx.pulses.insertRun({ ...pulseRun('r4', realmId, 'agent-2'), scheduledFor: null });
    });
    expect((await unit((tx) => tx.pulses.runs(realmId, 'agent-1', 10))).map((r) => r.id)).toEqual(['r3', 'r2', 'r1']);
    expect((await unit((tx) => tx.pulses.runs(realmId, 'agent-1', 2))).map((r) => r.id)).toEqual(['r3', 'r2']);
    expect((await unit((tx) => tx.pulses.latestRun(realmId, 'agent-1')))!.id).toBe('r3');
    expect(await unit((tx) => tx.pulses.latestRun(realmId, 'nobody'))).toBeNull();
    expect((await unit((tx) => tx.pulses.runningFor(realmId, 'agent-1'))).map((r) => r.id)).toEqual(['r2']);
    expect((await unit((tx) => tx.pulses.deadLetters(realmId, 10))).map((r) => r.id)).toEqual(['r3', 'r1']);
    expect((await unit((tx) => tx.pulses.deadLetters(realmId, 1))).map((r) => r.id)).toEqual(['r3']);
    // The record is the run as given: JSON read back as a value, no scheduledFor, no ord.
    expect(await unit((tx) => tx.pulses.run('r1'))).toEqual(pulseRun('r1', realmId, 'agent-1', { status: 'dead', contextSnapshot: { missions: [1, 2], note: 'x' } }));
    expect(await unit((tx) => tx.pulses.run('nope'))).toBeNull();

    const done = await unit((tx) => tx.pulses.updateRun('r2', { status: 'completed', finishedAt: '2026-11-26T05:01:09.000Z' }));
    expect(done).toEqual(pulseRun('r2', realmId, 'agent-1', { status: 'completed', finishedAt: '2026-11-26T05:01:09.000Z' }));
    expect(await unit((tx) => tx.pulses.updateRun('nope', { status: 'completed' }))).toBeNull();
    expect(await unit((tx) => tx.pulses.runningFor(realmId, 'agent-1'))).toEqual([]);
  });
});
