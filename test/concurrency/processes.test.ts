import { Database } from '../../src/db/sqlite/driver.js';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { verifyChain } from '../../src/domain/audit/verify.js';
import { localAdmin } from '../../src/domain/principal.js';
import { migrationCount, spawnServer, tempDb } from '../helpers/processes.js';

// Several server processes on one database file, as several desktop windows or spawned agents would be.
const PROCESSES = 4;
const db = tempDb();
let servers: Awaited<ReturnType<typeof spawnServer>>[];
let realmId: string;

const errorOf = (r: unknown) => JSON.parse((r as { content: { text: string }[] }).content[0]!.text).error;

beforeAll(async () => {
  // All start together on a fresh file: the migration race must not stop any of them.
  servers = await Promise.all(Array.from({ length: PROCESSES }, () => spawnServer(db)));
  realmId = (await servers[0]!.call('realm_create', { name: 'shared', owner: 'o' })).id;
  for (let i = 0; i < PROCESSES; i++) await servers[0]!.call('hierarchy_set', { realmId, agentId: `agent-${i}` });
}, 60_000);
afterAll(async () => void (await Promise.all(servers.map((s) => s.close()))));

describe(`${PROCESSES} server processes on one database file`, () => {
  it('all started, and the migrations were applied once', () => {
    const raw = new Database(db, { readonly: true });
    expect((raw.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number }).n).toBe(migrationCount);
    raw.close();
    expect(new Set(servers.map((s) => s.pid)).size).toBe(PROCESSES);
  });

  it('give exactly one checkout winner per mission across processes', async () => {
    const missions: string[] = [];
    for (let m = 0; m < 25; m++) missions.push((await servers[m % PROCESSES]!.call('mission_create', { realmId, title: `m${m}`, createdBy: 'o', status: 'queued' })).id);
    const outcomes = await Promise.all(
      missions.flatMap((id) =>
        servers.map(async (s, i) => ({ id, agent: `agent-${i}`, result: await s.client.callTool({ name: 'mission_checkout', arguments: { realmId, id, agentId: `agent-${i}` } }) })),
      ),
    );
    const wins = new Map<string, string>();
    for (const o of outcomes) {
      if (o.result.isError) continue;
      expect(wins.has(o.id), `two winners for ${o.id}`).toBe(false);
      wins.set(o.id, o.agent);
    }
    expect(wins.size).toBe(missions.length);
    for (const o of outcomes.filter((x) => x.result.isError)) {
      expect(errorOf(o.result)).toMatchObject({ code: 'conflict', details: { holderId: wins.get(o.id) } });
    }
    const { missions: board } = await servers[1]!.call('mission_list', { realmId, limit: 100 });
    for (const m of board) expect(m.assigneeId).toBe(wins.get(m.id));
  });

  it('let one versioned update through across processes', async () => {
    const { version } = await servers[2]!.call('realm_get', { id: realmId });
    const results = await Promise.all(servers.map((s, i) => s.client.callTool({ name: 'realm_update', arguments: { id: realmId, name: `p${i}`, expectedVersion: version } })));
    expect(results.filter((r) => !r.isError)).toHaveLength(1);
    for (const r of results.filter((x) => x.isError)) expect(errorOf(r)).toMatchObject({ code: 'conflict', details: { currentVersion: version + 1 } });
  });

  it('record concurrent spends from every process exactly, counting a redelivered event once, alerting once', async () => {
    await servers[0]!.call('ledger_set_budget', { realmId, agentId: 'agent-0', monthlyCents: 100, softThreshold: 0.5 });
    const spend = (s: (typeof servers)[number], eventId: string) =>
      s.call('ledger_spend', { realmId, agentId: 'agent-0', costCents: 2.5, provider: 'p', model: 'm', inputTokens: 10, outputTokens: 5, eventId });
    // Every process delivers the same 20 events: each must count once.
    await Promise.all(servers.flatMap((s) => Array.from({ length: 20 }, (_, k) => spend(s, `evt-${k}`))));
    const check = await servers[3]!.call('ledger_check', { realmId, agentId: 'agent-0' });
    expect(check).toMatchObject({ spentCents: 50, utilizationPct: 50, alert: 'warning' });
    const summary = await servers[1]!.call('ledger_summary', { realmId });
    expect(summary).toMatchObject({ totalCents: 50, eventCount: 20, totalInputTokens: 200 });
    const alerts = (await servers[2]!.call('council_activity_log', { realmId, action: 'budget_alert', limit: 100 })).entries;
    expect(alerts.map((e: { details: { level: string } }) => e.details.level)).toEqual(['soft_threshold']);
  });

  it('never fork the audit chain', async () => {
    // Concurrent comments from every process append to one chain.
    const [m] = (await servers[0]!.call('mission_list', { realmId, limit: 1 })).missions;
    await Promise.all(servers.flatMap((s, i) => Array.from({ length: 10 }, (_, k) => s.call('mission_comment', { realmId, missionId: m.id, authorId: `agent-${i}`, body: `${k}` }))));
    const app = createApp({ db, logger: pino({ level: 'silent' }) });
    const result = await verifyChain({ store: app.store, clock: app.clock, principal: localAdmin }, { realmId });
    app.close();
    expect(result).toMatchObject({ valid: true });
    // realm, agents, missions, checkouts, one update, budget_set, 20 spends, one alert, the comments
    expect(result.entryCount).toBe(1 + PROCESSES + 25 + 25 + 1 + 1 + 20 + 1 + PROCESSES * 10);
  });
});
