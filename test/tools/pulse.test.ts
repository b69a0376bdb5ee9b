import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { fakeClock } from '../helpers/clock.js';
import { testApp, connect } from '../helpers/connect.js';
import { fakeCommand, hanging, stateDir } from '../helpers/fakes.js';
import { rawSql } from '../helpers/raw-sql.js';
import { newRealm, seedOrg } from '../helpers/org.js';

type Session = Awaited<ReturnType<typeof connect>>;
const silent = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const clock = fakeClock('2026-11-23T10:00:00.000Z');

let app: App;
let s: Session;
let realmId: string;
let state: string;
beforeEach(async () => {
  clock.set('2026-11-23T10:00:00.000Z');
  // The scheduler is not wanted here: ticks are driven by hand (scheduling has its own tests).
  app = await testApp({ db: ':memory:', logger: silent, clock, scheduler: false, graceMs: 200 });
  s = await connect({ app });
  realmId = (await newRealm(s)).id;
  await seedOrg(s, realmId);
  state = stateDir();
});
afterEach(async () => {
  await s.client.close();
  await app.close();
});

const runtime = (scenario?: string, kind = 'process') =>
  s.call('bridge_register', { kind, name: 'r', command: fakeCommand[kind as 'process'], realmId, envVars: { FAKE_STATE: state, ...(scenario ? { FAKE_SCENARIO: scenario } : {}) } });
const register = (extra: Record<string, unknown> = {}) => s.call('pulse_register', { realmId, agentId: 'agent-dev-1', cron: '*/5 * * * *', ...extra });
const tick = () => s.call('pulse_tick', { realmId, agentId: 'agent-dev-1' });

describe('pulse_register', () => {
  it('validates cron (5 or 6 fields) and timezone, naming the field', async () => {
    for (const cron of ['* * * * * * *', '@daily', '61 * * * *', '* * *', 'every minute']) {
      expect(await s.fail('pulse_register', { realmId, agentId: 'agent-dev-1', cron }), cron).toMatchObject({ code: 'invalid_input', details: { field: 'cron' } });
    }
    expect((await s.fail('pulse_register', { realmId, agentId: 'agent-dev-1', cron: '* * * * *', timezone: 'Mars/Olympus' })).details).toMatchObject({ field: 'timezone' });
    expect((await s.fail('pulse_register', { realmId, agentId: 'agent-ghost', cron: '* * * * *' })).code).toBe('not_found');
  });

  it('returns the next three runs in UTC, honouring the timezone and seconds', async () => {
    const { config, nextRuns } = await register({ cron: '0 9 * * *', timezone: 'Europe/Paris' });
    expect(config).toMatchObject({ enabled: true, contextMode: 'thin', maxRetries: 2, skipWhenIdle: true, timezone: 'Europe/Paris', version: 1, timeoutSecs: null });
    expect(nextRuns).toEqual(['2026-11-24T08:00:00.000Z', '2026-11-25T08:00:00.000Z', '2026-11-26T08:00:00.000Z']);
    expect((await register({ cron: '*/20 * * * * *' })).nextRuns).toEqual(['2026-11-23T10:00:20.000Z', '2026-11-23T10:00:40.000Z', '2026-11-23T10:01:00.000Z']);
  });

  it('keeps enabled on upsert; toggle and status show it', async () => {
    await register();
    const off = await s.call('pulse_toggle', { realmId, agentId: 'agent-dev-1', enabled: false });
    expect(off).toMatchObject({ config: { enabled: false }, nextRuns: [] });
    const again = await register({ contextMode: 'full', expectedVersion: 2 });
    expect(again.config).toMatchObject({ enabled: false, contextMode: 'full', version: 3 });
    const status = await s.call('pulse_status', { realmId, agentId: 'agent-dev-1' });
    expect(status).toMatchObject({ config: { version: 3 }, nextRuns: [], recentRuns: [] });
    expect((await s.fail('pulse_toggle', { realmId, agentId: 'agent-cfo', enabled: true })).code).toBe('not_found');
  });
});

describe('pulse ticks', () => {
  it('skip for every reason, folding identical skips into one row', async () => {
    const rt = await runtime();
    await register({ runtimeId: rt.id });
    expect(await tick()).toMatchObject({ status: 'skipped', skipReason: 'idle', skipCount: 1, source: 'cron' });
    const again = await tick();
    expect(again).toMatchObject({ skipReason: 'idle', skipCount: 2 });
    // Queued work the agent could not claim does not wake it: one waiting on an incomplete blocker.
    const blocker = await s.call('mission_create', { realmId, title: 'first', createdBy: 'agent-cto' });
    await s.call('mission_create', { realmId, title: 'then', createdBy: 'agent-cto', status: 'queued', blockedBy: [blocker.id] });
    expect(await tick()).toMatchObject({ skipReason: 'idle', skipCount: 3 });
    const m = await s.call('mission_create', { realmId, title: 'm', createdBy: 'agent-cto', status: 'queued' });

    const hang = await runtime('hang');
    const busy = await s.call('bridge_invoke', { runtimeId: hang.id, agentId: 'agent-dev-1', context: {} });
    expect(await tick()).toMatchObject({ skipReason: 'overlap' });
    await s.call('bridge_cancel', { runId: busy.id });

    await s.call('ledger_set_budget', { realmId, agentId: 'agent-dev-1', monthlyCents: 1 });
    await s.call('ledger_spend', { realmId, agentId: 'agent-dev-1', costCents: 1, provider: 'p', model: 'x', inputTokens: 0, outputTokens: 0 });
    expect(await tick()).toMatchObject({ skipReason: 'over_budget' });
    await s.call('ledger_set_budget', { realmId, agentId: 'agent-dev-1', monthlyCents: 100000 });

    await s.call('council_override', { realmId, operatorId: 'o', action: 'pause', targetAgentId: 'agent-dev-1', reason: 'r' });
    expect(await tick()).toMatchObject({ skipReason: 'agent_paused' });
    await s.call('council_override', { realmId, operatorId: 'o', action: 'resume', targetAgentId: 'agent-dev-1', reason: 'r' });

    await s.call('pulse_toggle', { realmId, agentId: 'agent-dev-1', enabled: false });
    expect(await tick()).toMatchObject({ skipReason: 'disabled' });
    await s.call('pulse_toggle', { realmId, agentId: 'agent-dev-1', enabled: true });

    expect(await tick()).toMatchObject({ status: 'completed', skipReason: null });
    expect(m.id).toBeTruthy();

    await s.call('council_override', { realmId, operatorId: 'o', action: 'terminate', targetAgentId: 'agent-dev-1', reason: 'r' });
    // Terminating disabled the pulse too; switched back on, the tick still finds a terminated agent.
    expect((await s.call('pulse_status', { realmId, agentId: 'agent-dev-1' })).config.enabled).toBe(false);
    await s.call('pulse_toggle', { realmId, agentId: 'agent-dev-1', enabled: true });
    expect(await tick()).toMatchObject({ skipReason: 'agent_terminated' });
    const { recentRuns } = await s.call('pulse_status', { realmId, agentId: 'agent-dev-1' });
    expect(recentRuns.map((r: { skipReason: string | null }) => r.skipReason)).toEqual(['agent_terminated', null, 'disabled', 'agent_paused', 'over_budget', 'overlap', 'idle']);
    expect(recentRuns.at(-1).skipCount).toBe(3);
  });

  it('invokes the agent through its runtime with a full context snapshot', async () => {
    const rt = await runtime(undefined, 'claude_code');
    await s.call('hierarchy_set', { realmId, agentId: 'agent-dev-1', runtimeId: rt.id });
    await register({ contextMode: 'full', skipWhenIdle: false });
    const run = await tick();
    expect(run).toMatchObject({ status: 'completed', attempt: 1, source: 'cron', nextAttemptAt: null, error: null });
    expect(run.contextSnapshot).toMatchObject({ mode: 'full', agentId: 'agent-dev-1', chainOfCommand: [{ agentId: 'agent-dev-1' }, { agentId: 'agent-cto' }, { agentId: 'agent-ceo' }] });
    const bridgeRun = await s.call('bridge_run', { runId: run.bridgeRunId });
    expect(bridgeRun).toMatchObject({ status: 'completed', costCents: 4.25 });
    const log = (await s.call('council_activity_log', { realmId, limit: 20 })).entries.map((e: { action: string }) => e.action);
    expect(log).toEqual(expect.arrayContaining(['pulse_run_started', 'pulse_run_finished', 'run_started', 'run_finished']));
  });

  it('schedules a failed attempt\'s retry within the first backoff window', async () => {
    const rt = await runtime('fail');
    await register({ runtimeId: rt.id, skipWhenIdle: false, maxRetries: 2 });
    const first = await tick();
    expect(first).toMatchObject({ status: 'failed', attempt: 1, error: 'something broke\nsomething broke\nsomething broke' });
    const wait = Date.parse(first.nextAttemptAt) - Date.parse(first.finishedAt);
    expect(wait).toBeGreaterThanOrEqual(0);
    expect(wait).toBeLessThanOrEqual(2000);
  });

  it("leaves a run another process's sweep already ended as that sweep ended it", async () => {
    // This process was frozen or cut off long enough to count as gone: a survivor marked its run lost and ended
    // the pulse run (src/domain/pulse/lost-run.ts). When the run finally ends here, that verdict stands.
    const rt = await runtime('hang');
    await register({ runtimeId: rt.id, skipWhenIdle: false, maxRetries: 2 });
    const ticking = tick();
    await hanging(state);
    const [running] = (await s.call('pulse_status', { realmId, agentId: 'agent-dev-1' })).recentRuns;
    const sql = rawSql(app);
    expect(await sql.run("UPDATE pulse_runs SET status = 'dead', error = 'process_lost', finished_at = ? WHERE id = ?", clock.now().toISOString(), running.id)).toEqual({ changes: 1 });
    await s.call('bridge_cancel', { runId: running.bridgeRunId });
    expect(await ticking).toMatchObject({ id: running.id, status: 'dead', error: 'process_lost' });
    expect((await s.call('pulse_status', { realmId, agentId: 'agent-dev-1' })).recentRuns[0]).toMatchObject({ id: running.id, status: 'dead', nextAttemptAt: null });
    expect((await s.call('council_activity_log', { realmId, action: 'pulse_run_finished' })).entries).toEqual([]);
  });

  it('pulse_invoke refuses instead of skipping', async () => {
    expect((await s.fail('pulse_invoke', { realmId, agentId: 'agent-dev-1' })).details).toMatchObject({ field: 'runtimeId' });
    const rt = await runtime();
    await register({ runtimeId: rt.id });
    const run = await s.call('pulse_invoke', { realmId, agentId: 'agent-dev-1', wait: true });
    expect(run).toMatchObject({ source: 'manual', status: 'completed' });
    const hang = await runtime('hang');
    const busy = await s.call('bridge_invoke', { runtimeId: hang.id, agentId: 'agent-dev-1', context: {} });
    expect((await s.fail('pulse_invoke', { realmId, agentId: 'agent-dev-1' })).code).toBe('conflict');
    await s.call('bridge_cancel', { runId: busy.id });
    await s.call('ledger_set_budget', { realmId, agentId: 'agent-dev-1', monthlyCents: 0 });
    expect((await s.fail('pulse_invoke', { realmId, agentId: 'agent-dev-1' })).code).toBe('budget_exceeded');
    await s.call('ledger_set_budget', { realmId, agentId: 'agent-dev-1', monthlyCents: 1000 });
    await s.call('council_override', { realmId, operatorId: 'o', action: 'pause', targetAgentId: 'agent-dev-1', reason: 'r' });
    expect((await s.fail('pulse_invoke', { realmId, agentId: 'agent-dev-1' })).code).toBe('forbidden');
    // Refusals record nothing: the only pulse run is the one that completed.
    expect((await s.call('pulse_status', { realmId, agentId: 'agent-dev-1' })).recentRuns).toHaveLength(1);
    await sleep(10);
  });
});
