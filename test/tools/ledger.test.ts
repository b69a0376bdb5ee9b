import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeClock } from '../helpers/clock.js';
import { agentPrincipal } from '../../src/domain/principal.js';
import { connect } from '../helpers/connect.js';
import { newRealm, seedOrg } from '../helpers/org.js';

const clock = fakeClock('2026-11-20T10:00:00.000Z');
let s: Awaited<ReturnType<typeof connect>>;
let realmId: string;
beforeEach(async () => {
  clock.set('2026-11-20T10:00:00.000Z');
  s = await connect({ clock });
  realmId = (await newRealm(s)).id;
  await seedOrg(s, realmId);
});
afterEach(() => s.close());

const spend = (costCents: number, extra: Record<string, unknown> = {}) =>
  s.call('ledger_spend', { realmId, agentId: 'agent-dev-1', costCents, provider: 'anthropic', model: 'claude-sonnet-4', inputTokens: 100, outputTokens: 50, ...extra });
const actions = async (action: string) => (await s.call('council_activity_log', { realmId, action, limit: 100 })).entries;

describe('budgets and checks', () => {
  it('says scope none and allowed with no budget', async () => {
    expect(await s.call('ledger_check', { realmId, agentId: 'agent-dev-1' })).toEqual({
      allowed: true, scope: 'none', spentCents: null, limitCents: null, remainingCents: null, utilizationPct: null, alert: null, agent: null, realm: null,
    });
  });

  it('sets budgets with defaults, keeps omitted fields, and checks both scopes over this month', async () => {
    const realmBudget = await s.call('ledger_set_budget', { realmId, monthlyCents: 500000 });
    expect(realmBudget).toMatchObject({ agentId: null, monthlyCents: 500000, softThreshold: 0.8, hardLimit: true, billingCode: null, version: 1 });
    expect(realmBudget.id).toMatch(/^bgt-/);
    await s.call('ledger_set_budget', { realmId, agentId: 'agent-dev-1', monthlyCents: 1000, softThreshold: 0.5 });
    const raised = await s.call('ledger_set_budget', { realmId, agentId: 'agent-dev-1', monthlyCents: 2000 });
    expect(raised).toMatchObject({ softThreshold: 0.5, hardLimit: true, version: 2 });
    await spend(300);
    const check = await s.call('ledger_check', { realmId, agentId: 'agent-dev-1', costCents: 100 });
    expect(check).toMatchObject({ allowed: true, scope: 'agent', spentCents: 300, limitCents: 2000, remainingCents: 1700, utilizationPct: 15, alert: null });
    expect(check.agent).toMatchObject({ periodStart: '2026-11-01T00:00:00.000Z', periodEnd: '2026-12-01T00:00:00.000Z', softThreshold: 0.5 });
    expect(check.realm).toMatchObject({ spentCents: 300, limitCents: 500000, utilizationPct: 0.06 });
    expect((await s.call('ledger_check', { realmId, agentId: 'agent-dev-1', costCents: 1700 })).allowed).toBe(false);
    expect((await s.fail('ledger_set_budget', { realmId, monthlyCents: 1, expectedVersion: 0 })).code).toBe('conflict');
  });

  it('alerts once per crossing, audits budget_exceeded, and blocks checkout until the budget is raised', async () => {
    await s.call('ledger_set_budget', { realmId, agentId: 'agent-dev-1', monthlyCents: 1000 });
    const mission = await s.call('mission_create', { realmId, title: 'm', createdBy: 'agent-cto', status: 'queued' });
    await spend(700);
    expect(await actions('budget_alert')).toHaveLength(0);
    const warned = await spend(100);
    expect(warned.check).toMatchObject({ alert: 'warning', allowed: true });
    await spend(50); // still past soft: no second alert
    const alerts = await actions('budget_alert');
    expect(alerts.map((e: { details: { level: string } }) => e.details.level)).toEqual(['soft_threshold']);
    const over = await spend(150);
    expect(over.check).toMatchObject({ allowed: false, alert: 'critical', scope: 'agent', utilizationPct: 100 });
    await spend(999); // recorded even past the limit
    expect((await actions('budget_alert')).map((e: { details: { level: string } }) => e.details.level)).toEqual(['hard_limit_reached', 'soft_threshold']);
    expect(await actions('budget_exceeded')).toHaveLength(1);

    const refused = await s.fail('mission_checkout', { realmId, id: mission.id, agentId: 'agent-dev-1' });
    expect(refused).toMatchObject({ code: 'budget_exceeded', details: { scope: 'agent', limitCents: 1000 } });
    // Another agent is not affected; raising the budget lets agent-dev-1 work again and re-arms the alerts.
    await s.call('ledger_set_budget', { realmId, agentId: 'agent-dev-1', monthlyCents: 10000 });
    expect((await s.call('mission_checkout', { realmId, id: mission.id, agentId: 'agent-dev-1' })).assigneeId).toBe('agent-dev-1');
  });

  it('counts the realm budget for every agent', async () => {
    await s.call('ledger_set_budget', { realmId, monthlyCents: 100 });
    await spend(60, { agentId: 'agent-dev-2' });
    await spend(60);
    const check = await s.call('ledger_check', { realmId, agentId: 'agent-cfo' });
    expect(check).toMatchObject({ allowed: false, scope: 'realm', spentCents: 120 });
    const mission = await s.call('mission_create', { realmId, title: 'm', createdBy: 'agent-cto' });
    expect((await s.fail('mission_checkout', { realmId, id: mission.id, agentId: 'agent-cfo' })).details).toMatchObject({ scope: 'realm' });
  });

  it('rolls over at the start of the month (UTC)', async () => {
    await s.call('ledger_set_budget', { realmId, agentId: 'agent-dev-1', monthlyCents: 100 });
    await spend(100);
    expect((await s.call('ledger_check', { realmId, agentId: 'agent-dev-1' })).allowed).toBe(false);
    clock.set('2026-11-30T23:59:59.999Z');
    expect((await s.call('ledger_check', { realmId, agentId: 'agent-dev-1' })).allowed).toBe(false);
    clock.set('2026-12-01T00:00:00.000Z');
    const fresh = await s.call('ledger_check', { realmId, agentId: 'agent-dev-1' });
    expect(fresh).toMatchObject({ allowed: true, spentCents: 0, alert: null });
    expect(fresh.agent.periodStart).toBe('2026-12-01T00:00:00.000Z');
    // Alerts fire again in the new period.
    await spend(100);
    expect((await actions('budget_exceeded')).length).toBe(2);
  });
});

describe('spend', () => {
  it('keeps every digit of fractional cents, and refuses more than 4 decimals', async () => {
    expect((await spend(4.25)).spend.costCents).toBe(4.25);
    expect((await spend(0.0425)).spend.costCents).toBe(0.0425);
    expect((await spend(1.2345)).spend.costCents).toBe(1.2345);
    expect((await spend(0.0049)).spend.costCents).toBe(0.0049);
    const { totalCents } = await s.call('ledger_summary', { realmId });
    expect(totalCents).toBe(5.5319);
    for (const costCents of [0.00001, 1.23456, 2.5e-7]) {
      const tooPrecise = await s.fail('ledger_spend', { realmId, agentId: 'a', costCents, provider: 'p', model: 'm', inputTokens: 0, outputTokens: 0 });
      expect(tooPrecise).toMatchObject({ code: 'invalid_input', details: { field: 'costCents' } });
    }
    expect((await s.call('ledger_summary', { realmId })).eventCount).toBe(4);
  });

  // Four calls in flight, as an agent's runs report them: the totals are conditional increments, exact under
  // concurrency too. Each call is a full unit of work (spend, five roll-ups, two totals, an audit entry): about
  // 5 ms on SQLite and 14 ms on PostgreSQL on a busy 2-core machine, hence the long timeout.
  it('adds 10,000 spends of 0.0049 cents up to exactly 49 cents, in every total', async () => {
    await s.call('ledger_set_budget', { realmId, agentId: 'agent-dev-1', monthlyCents: 100 });
    let left = 10_000;
    await Promise.all(Array.from({ length: 4 }, async () => {
      while (left-- > 0) await s.call('ledger_spend', { realmId, agentId: 'agent-dev-1', costCents: 0.0049, provider: 'p', model: 'tiny', inputTokens: 1, outputTokens: 1 });
    }));
    expect((await s.call('ledger_summary', { realmId })).totalCents).toBe(49);
    expect((await s.call('ledger_summary', { realmId, groupBy: 'model' })).breakdown[0]).toMatchObject({ key: 'tiny', cents: 49, events: 10_000 });
    const check = await s.call('ledger_check', { realmId, agentId: 'agent-dev-1' });
    expect(check).toMatchObject({ spentCents: 49, remainingCents: 51, utilizationPct: 49 });
  }, 300_000);

  it('returns the first spend for a repeated eventId, counting it once', async () => {
    const first = await spend(10, { eventId: 'evt-1' });
    const again = await spend(99, { eventId: 'evt-1' });
    expect(again.spend).toEqual(first.spend);
    expect((await s.call('ledger_summary', { realmId })).totalCents).toBe(10);
  });

  it("refuses another agent's eventId without showing its spend, and leaves the ledger as it was", async () => {
    await spend(77, { eventId: 'order-42', agentId: 'agent-dev-2', billingCode: 'dev-2-private' });
    const agent = await connect({ app: s.app, principal: agentPrincipal(realmId, 'agent-dev-1') });
    try {
      const error = await agent.fail('ledger_spend', { realmId, agentId: 'agent-dev-1', costCents: 0, provider: 'p', model: 'm', inputTokens: 0, outputTokens: 0, eventId: 'order-42' });
      expect(error).toMatchObject({ code: 'conflict', details: { field: 'eventId' } });
      expect(JSON.stringify(error)).not.toMatch(/77|dev-2-private|agent-dev-2/);
    } finally {
      await agent.close();
    }
    expect(await s.call('ledger_summary', { realmId })).toMatchObject({ totalCents: 77, eventCount: 1 });
  });

  it("keeps run ids for the bridge: a caller's eventId cannot take the cost of a run before the bridge records it", async () => {
    const runId = 'brun-5d1b0c7e-1c4f-4e0a-9d3b-2f6a8c9e0b1d';
    for (const caller of [s, await connect({ app: s.app, principal: agentPrincipal(realmId, 'agent-dev-1') })]) {
      expect(await caller.fail('ledger_spend', { realmId, agentId: 'agent-dev-1', costCents: 0, provider: 'p', model: 'm', inputTokens: 0, outputTokens: 0, eventId: runId })).toMatchObject({ code: 'invalid_input', details: { field: 'eventId' } });
      if (caller !== s) await caller.close();
    }
    // The run's cost, as the bridge publishes it (the system), is then counted in full.
    await s.app.bus.publish({ topic: 'cost.incurred', realmId, payload: { realmId, agentId: 'agent-dev-1', costCents: 25, provider: 'anthropic', model: 'claude', inputTokens: 1, outputTokens: 1, eventId: runId }, origin: 'local' });
    expect(await s.call('ledger_summary', { realmId })).toMatchObject({ totalCents: 25, eventCount: 1 });
  });

  it('returns the first spend to repeats of an eventId that arrive together', async () => {
    const repeats = await Promise.all(Array.from({ length: 5 }, () => spend(10, { eventId: 'evt-burst' })));
    expect(new Set(repeats.map((r) => r.spend.id)).size).toBe(1);
    expect((await s.call('ledger_summary', { realmId })).eventCount).toBe(1);
  });

  it('is recorded in a suspended realm', async () => {
    await s.call('realm_update', { id: realmId, status: 'suspended' });
    expect((await spend(5)).spend.costCents).toBe(5);
    expect((await s.fail('ledger_set_budget', { realmId, monthlyCents: 5 })).code).toBe('realm_suspended');
  });

  it('summarises by any grouping over a window, largest first', async () => {
    const mission = await s.call('mission_create', { realmId, title: 'paid work', createdBy: 'o' });
    await spend(5, { model: 'a', missionId: mission.id, billingCode: 'x' });
    await spend(7, { model: 'b', agentId: 'agent-dev-2', provider: 'openai' });
    await spend(1, { model: 'a' });
    const byModel = await s.call('ledger_summary', { realmId, groupBy: 'model' });
    expect(byModel).toMatchObject({ groupBy: 'model', totalCents: 13, totalInputTokens: 300, totalOutputTokens: 150, eventCount: 3 });
    expect(byModel.breakdown).toEqual([
      { key: 'b', cents: 7, inputTokens: 100, outputTokens: 50, events: 1 },
      { key: 'a', cents: 6, inputTokens: 200, outputTokens: 100, events: 2 },
    ]);
    expect((await s.call('ledger_summary', { realmId, groupBy: 'mission' })).breakdown.map((b: { key: string }) => b.key)).toEqual(['none', mission.id]);
    expect((await s.call('ledger_summary', { realmId, groupBy: 'provider' })).breakdown[0]).toMatchObject({ key: 'openai', cents: 7 });
    const window = await s.call('ledger_summary', { realmId, since: '2026-11-20T11:00:00+01:00', until: '2026-11-20T10:00:00.001Z' });
    expect(window).toMatchObject({ since: '2026-11-20T10:00:00.000Z', eventCount: 3 });
    expect((await s.call('ledger_summary', { realmId, since: '2026-10-01T00:00:00Z', until: '2026-11-01T00:00:00Z' })).eventCount).toBe(0);
    expect((await s.fail('ledger_summary', { realmId, since: '2026-12-01T00:00:00Z', until: '2026-11-01T00:00:00Z' })).details).toMatchObject({ field: 'until' });
    expect((await s.fail('ledger_summary', { realmId, since: 'yesterday' })).details).toMatchObject({ field: 'since' });
  });
});

describe('ledger_summary over whole and partial days', () => {
  const at = async (time: string, costCents: number, model: string) => {
    clock.set(time);
    await spend(costCents, { model });
  };
  const total = async (since: string, until: string) => (await s.call('ledger_summary', { realmId, since, until })).totalCents;

  it('adds the whole days and the partial days at the edges of any window exactly once', async () => {
    await at('2026-11-18T23:30:00.000Z', 5, 'a');
    await at('2026-11-19T00:00:00.000Z', 3, 'b');
    await at('2026-11-19T12:00:00.000Z', 2, 'a');
    await at('2026-11-20T09:59:00.000Z', 7, 'b');
    await at('2026-11-20T10:00:00.000Z', 1, 'a');
    expect(await s.call('ledger_summary', { realmId })).toMatchObject({ totalCents: 18, eventCount: 5 });
    expect(await total('2026-11-18T23:00:00.000Z', '2026-11-20T10:00:00.000Z')).toBe(17);
    expect(await total('2026-11-19T00:00:00.000Z', '2026-11-20T00:00:00.000Z')).toBe(5);
    expect(await total('2026-11-19T00:00:00.001Z', '2026-11-19T12:00:00.001Z')).toBe(2);
    expect(await total('2026-11-18T23:30:00.000Z', '2026-11-19T00:00:00.000Z')).toBe(5);
    expect(await total('2026-11-01T00:00:00.000Z', '2026-11-19T00:00:00.000Z')).toBe(5);
    const byModel = await s.call('ledger_summary', { realmId, groupBy: 'model', since: '2026-11-18T23:00:00.000Z', until: '2026-11-20T10:00:00.000Z' });
    expect(byModel.breakdown).toEqual([
      { key: 'b', cents: 10, inputTokens: 200, outputTokens: 100, events: 2 },
      { key: 'a', cents: 7, inputTokens: 200, outputTokens: 100, events: 2 },
    ]);
    expect((await s.call('ledger_summary', { realmId, groupBy: 'billing_code' })).breakdown).toEqual([
      { key: 'none', cents: 18, inputTokens: 500, outputTokens: 250, events: 5 },
    ]);
  });

  it('gives an imported copy of the realm the same summaries', async () => {
    await at('2026-11-02T08:00:00.000Z', 4, 'a');
    await at('2026-11-20T10:00:00.000Z', 6, 'b');
    const copy = await s.call('realm_import', { data: await s.call('realm_export', { id: realmId }), newName: 'copy' });
    for (const groupBy of ['model', 'agent', 'mission'] as const) {
      const { breakdown } = await s.call('ledger_summary', { realmId, groupBy });
      expect((await s.call('ledger_summary', { realmId: copy.realm.id, groupBy })).breakdown).toEqual(breakdown);
    }
  });
});
