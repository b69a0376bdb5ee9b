import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import type { SqliteStore } from '../../src/db/sqlite/store.js';
import { verifyChain } from '../../src/domain/audit/verify.js';
import { localAdmin } from '../../src/domain/principal.js';
import { connect } from '../helpers/connect.js';
import { tempDb } from '../helpers/processes.js';

// Many MCP sessions (as HTTP sessions will be) over one process's store.
const CLIENTS = 20;
let app: App;
let sessions: Awaited<ReturnType<typeof connect>>[];
let realmId: string;

beforeAll(async () => {
  app = createApp({ db: tempDb(), logger: pino({ level: 'silent' }) });
  sessions = await Promise.all(Array.from({ length: CLIENTS }, () => connect({ app })));
  const [first] = sessions;
  realmId = (await first!.call('realm_create', { name: 'race', owner: 'o' })).id;
  for (let i = 0; i < CLIENTS; i++) await first!.call('hierarchy_set', { realmId, agentId: `agent-${i}` });
});
afterAll(async () => {
  await Promise.all(sessions.map((s) => s.close()));
  app.close();
});

describe(`${CLIENTS} concurrent clients on one server`, () => {
  it('give exactly one checkout winner per mission; every loser is told who holds it', async () => {
    const missions = [];
    for (let m = 0; m < 10; m++) missions.push((await sessions[0]!.call('mission_create', { realmId, title: `m${m}`, createdBy: 'o', status: 'queued' })).id);
    const attempts = missions.flatMap((id) =>
      sessions.map(async (s, i) => {
        const result = await s.client.callTool({ name: 'mission_checkout', arguments: { realmId, id, agentId: `agent-${i}` } });
        return { id, agent: `agent-${i}`, result };
      }),
    );
    const outcomes = await Promise.all(attempts);
    for (const id of missions) {
      const mine = outcomes.filter((o) => o.id === id);
      const winners = mine.filter((o) => !o.result.isError);
      expect(winners).toHaveLength(1);
      const holder = winners[0]!.agent;
      for (const loser of mine.filter((o) => o.result.isError)) {
        const error = JSON.parse((loser.result.content as { text: string }[])[0]!.text).error;
        expect(error).toMatchObject({ code: 'conflict', details: { holderId: holder, status: 'active' } });
      }
    }
  });

  it('let exactly one of many versioned updates through', async () => {
    const results = await Promise.all(
      sessions.map((s, i) => s.client.callTool({ name: 'realm_update', arguments: { id: realmId, name: `n${i}`, expectedVersion: 1 } })),
    );
    expect(results.filter((r) => !r.isError)).toHaveLength(1);
    for (const r of results.filter((x) => x.isError)) {
      expect(JSON.parse((r.content as { text: string }[])[0]!.text).error).toMatchObject({ code: 'conflict', details: { currentVersion: 2 } });
    }
  });

  it('record every concurrent spend exactly, firing each alert once', async () => {
    const ledgerRealm = (await sessions[0]!.call('realm_create', { name: 'spend', owner: 'o' })).id;
    await sessions[0]!.call('ledger_set_budget', { realmId: ledgerRealm, agentId: 'agent-x', monthlyCents: 200, softThreshold: 0.5 });
    await Promise.all(
      sessions.flatMap((s) =>
        Array.from({ length: 10 }, () =>
          s.call('ledger_spend', { realmId: ledgerRealm, agentId: 'agent-x', costCents: 1.5, provider: 'p', model: 'm', inputTokens: 1, outputTokens: 1 }),
        ),
      ),
    );
    const check = await sessions[1]!.call('ledger_check', { realmId: ledgerRealm, agentId: 'agent-x' });
    expect(check).toMatchObject({ spentCents: CLIENTS * 10 * 1.5, allowed: false, alert: 'critical' });
    const log = async (action: string) => (await sessions[2]!.call('council_activity_log', { realmId: ledgerRealm, action, limit: 1000 })).entries;
    expect((await log('budget_alert')).map((e: { details: { level: string } }) => e.details.level).sort()).toEqual(['hard_limit_reached', 'soft_threshold']);
    expect(await log('budget_exceeded')).toHaveLength(1);
    expect(await log('spend_recorded')).toHaveLength(CLIENTS * 10);
  });

  it('share transactions between concurrent writes, where a failing call loses only its own work', async () => {
    const groupRealm = (await sessions[0]!.call('realm_create', { name: 'group', owner: 'o' })).id;
    const before = { ...(app.store as SqliteStore).commitStats };
    // Every fifth call names a parent mission that does not exist: not_found from inside the write.
    const results = await Promise.all(
      sessions.flatMap((s, i) =>
        Array.from({ length: 5 }, (_, j) =>
          s.client.callTool({ name: 'mission_create', arguments: { realmId: groupRealm, title: `g${i}-${j}`, createdBy: 'o', ...(j === 4 ? { parentId: 'mission-missing' } : {}) } }),
        ),
      ),
    );
    const failed = results.filter((r) => r.isError);
    expect(failed).toHaveLength(CLIENTS);
    for (const r of failed) expect(JSON.parse((r.content as { text: string }[])[0]!.text).error).toMatchObject({ code: 'not_found', details: { field: 'parentId' } });
    const listed = await sessions[1]!.call('mission_list', { realmId: groupRealm, limit: 200 });
    expect(listed.missions.map((m: { title: string }) => m.title).sort()).toEqual(
      sessions.flatMap((_, i) => [0, 1, 2, 3].map((j) => `g${i}-${j}`)).sort(),
    );
    const stats = (app.store as SqliteStore).commitStats;
    expect(stats.writes - before.writes).toBe(CLIENTS * 5);
    expect(stats.commits - before.commits).toBeLessThan(CLIENTS * 5);
    const chain = await verifyChain({ store: app.store, clock: app.clock, principal: localAdmin }, { realmId: groupRealm });
    expect(chain).toMatchObject({ valid: true, entryCount: 1 + CLIENTS * 4 });
  });

  it('leave one unbroken audit chain', async () => {
    const result = await verifyChain({ store: app.store, clock: app.clock, principal: localAdmin }, { realmId });
    expect(result).toMatchObject({ valid: true, firstInvalidSeq: null });
    // realm + agents + 10 missions + 10 checkouts + 1 update
    expect(result.entryCount).toBe(1 + CLIENTS + 10 + 10 + 1);
  });
});
