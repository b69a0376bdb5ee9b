import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App, type AppOptions } from '../../src/app.js';
import { tickPulse } from '../../src/domain/pulse/tick.js';
import { systemPrincipal } from '../../src/domain/principal.js';
import { fakeClock } from '../helpers/clock.js';
import { connect } from '../helpers/connect.js';
import { fakeCommand, stateDir } from '../helpers/fakes.js';
import { tempDb } from '../helpers/processes.js';
import { testStore } from '../helpers/engine.js';
import { rawSql } from '../helpers/raw-sql.js';

const silent = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = async (check: () => boolean | Promise<boolean>, ms = 5000) => {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > ms) throw new Error('timed out waiting');
    await sleep(25);
  }
};

const apps: App[] = [];
/** The test engine's database of each SQLite file named here: apps started on one file share one database. */
const databases = new Map<string, ReturnType<typeof testStore>>();
const start = async (options: Partial<AppOptions> & { db: string }) => {
  const shared = () => databases.get(options.db) ?? databases.set(options.db, testStore()).get(options.db)!;
  const openStore = await (options.db === ':memory:' ? testStore() : shared());
  const app = createApp({ logger: silent, renewMs: 100, leaseMs: 600, retryPollMs: 50, graceMs: 200, openStore, ...options });
  apps.push(app);
  return app;
};
afterEach(async () => void (await Promise.all(apps.splice(0).map((a) => a.close()))));

/** A realm with one agent whose pulse runs a process runtime. */
async function setUp(app: App, cron: string, scenario?: string, extra: Record<string, unknown> = {}) {
  const s = await connect({ app });
  const state = stateDir();
  const realmId = (await s.call('realm_create', { name: 'r', owner: 'o' })).id;
  await s.call('hierarchy_set', { realmId, agentId: 'agent-a' });
  const rt = await s.call('bridge_register', { kind: 'process', name: 'p', command: fakeCommand.process, realmId, envVars: { FAKE_STATE: state, ...(scenario ? { FAKE_SCENARIO: scenario } : {}) } });
  await s.call('pulse_register', { realmId, agentId: 'agent-a', cron, runtimeId: rt.id, skipWhenIdle: false, ...extra });
  const runs = async () => (await s.call('pulse_status', { realmId, agentId: 'agent-a', limit: 100 })).recentRuns as { status: string; source: string; attempt: number; nextAttemptAt: string | null; startedAt: string }[];
  return { s, realmId, runs };
}

describe('the pulse scheduler', () => {
  it('fires a seconds schedule, stops at once when toggled off, and starts again when toggled on', async () => {
    const app = await start({ db: ':memory:' });
    await until(() => app.scheduler!.isLeader);
    const { s, realmId, runs } = await setUp(app, '* * * * * *');
    await until(async () => (await runs()).filter((r) => r.status === 'completed').length >= 2);
    expect((await runs()).every((r) => r.source === 'cron')).toBe(true);
    await s.call('pulse_toggle', { realmId, agentId: 'agent-a', enabled: false });
    await sleep(300);
    const stopped = (await runs()).length;
    await sleep(1500);
    expect((await runs()).length).toBe(stopped);
    await s.call('pulse_toggle', { realmId, agentId: 'agent-a', enabled: true });
    await until(async () => (await runs()).length > stopped);
  });

  it('re-schedules from the database when a process starts', async () => {
    const db = tempDb();
    const first = await start({ db, scheduler: false });
    const { realmId } = await setUp(first, '* * * * * *');
    await first.close();
    const second = await start({ db });
    const s = await connect({ app: second });
    await until(async () => (await s.call('pulse_status', { realmId, agentId: 'agent-a' })).recentRuns.length > 0);
    expect(second.scheduler!.scheduled).toEqual([`${realmId}/agent-a`]);
  });

  it('reads every schedule again on a resync of the store (changes made elsewhere may have been missed)', async () => {
    const app = await start({ db: ':memory:' });
    await until(() => app.scheduler!.isLeader);
    const { realmId } = await setUp(app, '0 0 1 1 *');
    // The scheduler reads the new config after the commit's announcement: one query later on PostgreSQL.
    await until(() => app.scheduler!.scheduled.length > 0);
    expect(app.scheduler!.scheduled).toEqual([`${realmId}/agent-a`]);
    // Turned off behind the scheduler's back (as a change whose notification was lost would be).
    await app.store.write(function* (tx) {
      const config = (yield* tx.pulses.config(realmId, 'agent-a'))!;
      yield* tx.pulses.updateConfig(realmId, 'agent-a', config.version, { enabled: false });
    });
    expect(app.scheduler!.scheduled).toEqual([`${realmId}/agent-a`]);
    await app.bus.publish({ topic: 'store.resync', realmId: null, payload: { reason: 'reconnected' }, origin: 'remote' });
    await until(() => app.scheduler!.scheduled.length === 0);
  });

  it('retries failures after their backoff (by the injected clock) and keeps the last as a dead letter', async () => {
    const clock = fakeClock(new Date().toISOString());
    const app = await start({ db: ':memory:', clock });
    await until(() => app.scheduler!.isLeader);
    const { s, realmId, runs } = await setUp(app, '0 0 1 1 *', 'fail', { maxRetries: 2 });
    const first = await s.call('pulse_tick', { realmId, agentId: 'agent-a' });
    expect(first).toMatchObject({ status: 'failed', attempt: 1 });
    await sleep(200);
    expect((await runs()).length).toBe(1); // not due yet
    // The retry after attempt n waits at most 2 s x 2^(n-1).
    for (const [attempt, window] of [[2, 4000], [3, 8000]] as const) {
      clock.advance(10 * 60_000);
      await until(async () => (await runs()).length === attempt && (await runs())[0]!.status !== 'running');
      const latest = (await runs())[0]!;
      expect(latest).toMatchObject({ source: 'retry', attempt });
      if (attempt === 2) {
        expect(latest.status).toBe('failed');
        expect(Date.parse(latest.nextAttemptAt!) - clock.now().getTime()).toBeLessThanOrEqual(window);
      }
    }
    const [dead] = await runs();
    expect(dead).toMatchObject({ status: 'dead', attempt: 3, nextAttemptAt: null });
    const resource = JSON.parse(((await s.client.readResource({ uri: `controlplane://realms/${realmId}/pulse` })).contents[0] as { text: string }).text);
    expect(resource.deadLetters).toHaveLength(1);
    expect(resource.pulses[0].config.agentId).toBe('agent-a');
  });

  it('hands the lease over when its holder dies', async () => {
    const db = tempDb();
    const a = await start({ db });
    await until(() => a.scheduler!.isLeader);
    const b = await start({ db });
    await sleep(300);
    expect(b.scheduler!.isLeader).toBe(false);
    // The holder loses its database like a crashed process: it can neither renew nor release.
    await a.store.close();
    await until(() => b.scheduler!.isLeader, 3000);
  });

  it('fires a slot once when two processes tick it', async () => {
    const db = tempDb();
    const one = await start({ db, scheduler: false });
    const two = await start({ db, scheduler: false });
    const { realmId, runs } = await setUp(one, '* * * * *');
    const slot = '2026-11-23T10:05:00.000Z';
    const tick = (app: App) =>
      tickPulse({ store: app.store, clock: app.clock, principal: systemPrincipal, runner: app.runner! }, { realmId, agentId: 'agent-a', source: 'cron', scheduledFor: slot }, { instanceId: app.instanceId });
    const results = await Promise.all([tick(one), tick(two), tick(one), tick(two)]);
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    expect(await runs()).toHaveLength(1);
    expect(await rawSql(one).get('SELECT count(*) AS n FROM pulse_slots WHERE scheduled_for = ?', slot)).toEqual({ n: 1 });
  });
});
