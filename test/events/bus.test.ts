import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import type { BusMessage } from '../../src/events/bus.js';
import { PgStore } from '../../src/db/pg/store.js';
import { connect } from '../helpers/connect.js';
import { testStore } from '../helpers/engine.js';
import { tempDb } from '../helpers/processes.js';

const silent = pino({ level: 'silent' });
const until = async (check: () => boolean, ms = 3000) => {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('inbound topics', () => {
  let s: Awaited<ReturnType<typeof connect>>;
  afterEach(() => s.close());

  it('cost.incurred records a spend once per eventId; a bad message is dropped and counted', async () => {
    s = await connect();
    const realmId = (await s.call('realm_create', { name: 'r', owner: 'o' })).id;
    const cost = { realmId, agentId: 'agent-a', costCents: 4.25, provider: 'anthropic', model: 'claude', inputTokens: 10, outputTokens: 5, eventId: 'brun-1' };
    // publish() resolves once the handlers are done: on PostgreSQL the spend commits after the bad messages
    // are already counted, so waiting for the count alone would read the ledger too early.
    await Promise.all([
      s.app.bus.publish({ topic: 'cost.incurred', realmId, payload: cost, origin: 'local' }),
      s.app.bus.publish({ topic: 'cost.incurred', realmId, payload: cost, origin: 'local' }), // redelivered
      s.app.bus.publish({ topic: 'cost.incurred', realmId, payload: { ...cost, eventId: undefined }, origin: 'local' }), // no eventId
      s.app.bus.publish({ topic: 'cost.incurred', realmId, payload: { realmId, nonsense: true }, origin: 'local' }),
    ]);
    expect(s.app.bus.stats).toMatchObject({ dropped: 2, failed: 0 });
    const summary = await s.call('ledger_summary', { realmId });
    expect(summary).toMatchObject({ totalCents: 4.25, eventCount: 1 });
    const [entry] = (await s.call('council_activity_log', { realmId, action: 'spend_recorded' })).entries;
    expect(entry).toMatchObject({ actorKind: 'agent', actorId: 'agent-a' });
  });

  it('council.audit appends through council::activity, refusing system action names', async () => {
    s = await connect();
    const realmId = (await s.call('realm_create', { name: 'r', owner: 'o' })).id;
    const activity = { realmId, actorKind: 'agent', actorId: 'agent-a', action: 'deploy.finished', entityType: 'service', entityId: 'api' };
    await Promise.all([
      s.app.bus.publish({ topic: 'council.audit', realmId, payload: activity, origin: 'local' }),
      s.app.bus.publish({ topic: 'council.audit', realmId, payload: { ...activity, action: 'budget_set' }, origin: 'local' }),
    ]);
    expect(s.app.bus.stats).toMatchObject({ dropped: 1, failed: 0 });
    const { entries } = await s.call('council_activity_log', { realmId, actorId: 'agent-a' });
    expect(entries.map((e: { action: string }) => e.action)).toEqual(['deploy.finished']);
  });
});

describe('the change feed between processes', () => {
  const apps: App[] = [];
  afterEach(async () => void (await Promise.all(apps.splice(0).map((a) => a.close()))));

  it('re-announces another process\'s commits on the local bus, and not our own twice', async () => {
    // Two apps on one database: one SQLite file, or one PostgreSQL database under CONTROL_PLANE_TEST_ENGINE.
    const [db, openStore] = [tempDb(), await testStore()];
    const [a, b] = [createApp({ db, openStore, logger: silent, pollMs: 20 }), createApp({ db, openStore, logger: silent, pollMs: 20 })];
    apps.push(a!, b!);
    const seenByB: BusMessage[] = [];
    const seenByA: BusMessage[] = [];
    b!.bus.subscribe('*', (m) => void seenByB.push(m));
    a!.bus.subscribe('*', (m) => void seenByA.push(m));
    // On PostgreSQL, B hears of commits once its LISTEN connection is up (a moment after it starts; before that
    // it has no session to tell).
    await until(() => !(b!.store instanceof PgStore) || b!.store.feedBackendPid !== null);
    const sa = await connect({ app: a });
    const realm = await sa.call('realm_create', { name: 'shared', owner: 'o' });
    await sa.call('hierarchy_set', { realmId: realm.id, agentId: 'agent-x' });
    await until(() => seenByB.some((m) => m.topic === 'hierarchy.changed'));
    expect(seenByB.every((m) => m.origin === 'remote')).toBe(true);
    expect(seenByB.map((m) => m.topic)).toEqual(['audit.appended', 'realm.lifecycle', 'audit.appended', 'hierarchy.changed']);
    expect(seenByB.find((m) => m.topic === 'realm.lifecycle')).toMatchObject({ realmId: realm.id, payload: { event: 'created' } });
    // A saw its own commits once, as local.
    await new Promise((r) => setTimeout(r, 100));
    expect(seenByA.map((m) => m.origin)).toEqual(['local', 'local', 'local', 'local']);
    await sa.client.close();
  });
});
