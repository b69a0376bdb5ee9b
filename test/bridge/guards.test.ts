// Runaway guards: caps on runs at once and runs per hour (per agent, runtime and realm), the per-run cost
// ceiling, and the liveness hooks (failures mark the agent failed; offline and draining agents are not pulsed).
// Real processes (the fake CLIs) on a real SQLite database, time moved by an injected clock.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { livenessOf } from '../../src/domain/fleet/liveness.js';
import { defaultFleetSettings } from '../../src/domain/fleet/settings.js';
import type { HeartbeatState } from '../../src/domain/hierarchy/model.js';
import { fakeClock } from '../helpers/clock.js';
import { testApp, connect } from '../helpers/connect.js';
import { adapters } from '../../src/bridge/adapters/index.js';
import type { Spend } from '../../src/bridge/types.js';
import { alive, fakeBin, fakeCommand, hanging, request, stateDir } from '../helpers/fakes.js';

const silent = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = async (check: () => boolean | Promise<boolean>, ms = 10_000) => {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > ms) throw new Error('timed out waiting');
    await sleep(25);
  }
};

type Session = Awaited<ReturnType<typeof connect>>;
const apps: App[] = [];
afterEach(async () => void (await Promise.all(apps.splice(0).map((a) => a.close()))));

/** A realm (with these fleet settings) and two agents, on an app whose clock the test moves. */
async function setUp(fleet: Record<string, unknown> = {}, options: { scheduler?: boolean } = {}) {
  const clock = fakeClock('2026-11-26T10:00:00.000Z');
  const app = await testApp({ db: ':memory:', logger: silent, graceMs: 200, clock, scheduler: options.scheduler ?? false, renewMs: 100, leaseMs: 600, retryPollMs: 50 });
  apps.push(app);
  const s = await connect({ app });
  const realmId = (await s.call('realm_create', { name: 'r', owner: 'o', fleet })).id as string;
  for (const agentId of ['agent-a', 'agent-b']) await s.call('hierarchy_set', { realmId, agentId });
  const state = stateDir();
  const runtime = async (scenario?: string, extra: Record<string, unknown> = {}) =>
    (await s.call('bridge_register', { kind: 'process', name: 'p', command: fakeCommand.process, realmId, envVars: { FAKE_STATE: state, ...(scenario ? { FAKE_SCENARIO: scenario } : {}) }, ...extra })).id as string;
  return { app, clock, s, realmId, state, runtime };
}

const invoke = (s: Session, runtimeId: string, agentId = 'agent-a', wait = true) => s.call('bridge_invoke', { runtimeId, agentId, context: {}, wait });
const refusal = (s: Session, runtimeId: string, agentId = 'agent-a') => s.fail('bridge_invoke', { runtimeId, agentId, context: {}, wait: false });
const guardEntries = async (s: Session, realmId: string) =>
  (await s.call('council_activity_log', { realmId, action: 'runaway_guard', limit: 100 })).entries as { entityType: string; entityId: string; details: Record<string, unknown> }[];

describe('caps on runs at once (conflict) and runs per hour (budget_exceeded)', () => {
  it('refuses an agent at its concurrency cap, audits the crossing once, and a new crossing after its runs ended again', async () => {
    const { s, realmId, runtime, state } = await setUp({ agent: { concurrentRuns: 1 } });
    const hang = await runtime('hang');
    const first = await invoke(s, hang, 'agent-a', false);
    await hanging(state);
    const refused = await refusal(s, hang);
    expect(refused).toMatchObject({ code: 'conflict', details: { scope: 'agent', kind: 'concurrentRuns', limit: 1, current: 1 } });
    expect(await refusal(s, hang)).toMatchObject({ code: 'conflict' });
    // Another agent is under its own cap.
    const other = await invoke(s, hang, 'agent-b', false);
    expect(other.status).toBe('running');
    expect(await guardEntries(s, realmId)).toHaveLength(1);
    await s.call('bridge_cancel', { runId: first.id });
    const second = await invoke(s, hang, 'agent-a', false);
    expect(await refusal(s, hang)).toMatchObject({ code: 'conflict' });
    const entries = await guardEntries(s, realmId);
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({ entityType: 'agent', entityId: 'agent-a', details: { scope: 'agent', kind: 'concurrentRuns', limit: 1, current: 1, window: second.id } });
    await s.call('bridge_cancel', { runId: second.id });
    await s.call('bridge_cancel', { runId: other.id });
  });

  it('refuses an agent past its runs per hour with budget_exceeded, once audited per hour, and lets it run when the hour has passed', async () => {
    const { s, realmId, runtime, clock } = await setUp({ agent: { runsPerHour: 2 } });
    const rt = await runtime();
    for (let i = 0; i < 2; i++) expect((await invoke(s, rt)).status).toBe('completed');
    for (let i = 0; i < 3; i++) {
      expect(await refusal(s, rt)).toMatchObject({ code: 'budget_exceeded', details: { scope: 'agent', kind: 'runsPerHour', limit: 2, current: 2 } });
    }
    expect((await invoke(s, rt, 'agent-b')).status).toBe('completed');
    const entries = await guardEntries(s, realmId);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.details).toMatchObject({ window: '2026-11-26T10' });
    clock.advance(60 * 60_000 + 1);
    expect((await invoke(s, rt)).status).toBe('completed');
  });

  it('caps a runtime within the realm, across agents', async () => {
    const { s, runtime, state } = await setUp({ runtime: { concurrentRuns: 1, runsPerHour: 3 } });
    const hang = await runtime('hang');
    const quick = await runtime();
    const first = await invoke(s, hang, 'agent-a', false);
    await hanging(state);
    expect(await refusal(s, hang, 'agent-b')).toMatchObject({ code: 'conflict', details: { scope: 'runtime', kind: 'concurrentRuns', limit: 1, current: 1 } });
    // Another runtime is not capped by this one.
    expect((await invoke(s, quick, 'agent-b')).status).toBe('completed');
    await s.call('bridge_cancel', { runId: first.id });
    expect((await invoke(s, quick, 'agent-a')).status).toBe('completed');
    expect((await invoke(s, quick, 'agent-b')).status).toBe('completed');
    expect(await refusal(s, quick, 'agent-a')).toMatchObject({ code: 'budget_exceeded', details: { scope: 'runtime', kind: 'runsPerHour', limit: 3, current: 3 } });
  });

  it('caps the whole realm, across agents and runtimes', async () => {
    const { s, realmId, runtime, state } = await setUp({ realm: { concurrentRuns: 1, runsPerHour: 3 } });
    const hang = await runtime('hang');
    const quick = await runtime();
    const first = await invoke(s, hang, 'agent-a', false);
    await hanging(state);
    expect(await refusal(s, quick, 'agent-b')).toMatchObject({ code: 'conflict', details: { scope: 'realm', kind: 'concurrentRuns', limit: 1, current: 1 } });
    await s.call('bridge_cancel', { runId: first.id });
    expect((await invoke(s, quick, 'agent-a')).status).toBe('completed');
    expect((await invoke(s, quick, 'agent-b')).status).toBe('completed');
    expect(await refusal(s, hang, 'agent-b')).toMatchObject({ code: 'budget_exceeded', details: { scope: 'realm', kind: 'runsPerHour', limit: 3, current: 3 } });
    expect((await guardEntries(s, realmId)).map((e) => [e.entityType, e.entityId])).toEqual([['realm', realmId], ['realm', realmId]]);
  });

  it('refuses pulse_invoke at a cap as bridge_invoke does', async () => {
    const { s, realmId, runtime } = await setUp({ agent: { runsPerHour: 1 } });
    const rt = await runtime();
    await s.call('pulse_register', { realmId, agentId: 'agent-a', cron: '0 0 1 1 *', runtimeId: rt, skipWhenIdle: false });
    expect(await s.call('pulse_invoke', { realmId, agentId: 'agent-a', wait: true })).toMatchObject({ status: 'completed' });
    expect(await s.fail('pulse_invoke', { realmId, agentId: 'agent-a', wait: true })).toMatchObject({ code: 'budget_exceeded', details: { scope: 'agent', kind: 'runsPerHour' } });
  });
});

describe('a runaway pulse', () => {
  it('is stopped by the default cap: an agent ticked every second runs 90 times in the hour, then its ticks are skipped', async () => {
    const { s, realmId, runtime, clock } = await setUp();
    const rt = await runtime();
    await s.call('pulse_register', { realmId, agentId: 'agent-a', cron: '0 0 1 1 *', runtimeId: rt, skipWhenIdle: false });
    const statuses: string[] = [];
    const cap = defaultFleetSettings.agent.runsPerHour;
    expect(cap).toBe(90);
    for (let i = 0; i < cap + 10; i++) {
      const run = await s.call('pulse_tick', { realmId, agentId: 'agent-a' });
      statuses.push(run.status === 'skipped' ? run.skipReason : run.status);
      clock.advance(1000);
    }
    expect(statuses).toEqual([...Array(cap).fill('completed'), ...Array(10).fill('runs_per_hour_cap')]);
    // Consecutive identical skips are one row with a count; no failure, nothing to retry, no dead letter.
    const { recentRuns } = await s.call('pulse_status', { realmId, agentId: 'agent-a', limit: 100 });
    expect(recentRuns[0]).toMatchObject({ status: 'skipped', skipReason: 'runs_per_hour_cap', skipCount: 10, nextAttemptAt: null });
    expect(recentRuns.filter((r: { status: string }) => r.status === 'failed' || r.status === 'dead')).toEqual([]);
    const entries = await guardEntries(s, realmId);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ entityType: 'agent', entityId: 'agent-a', details: { kind: 'runsPerHour', limit: cap, current: cap } });
  }, 60_000);

  it('is skipped by the scheduler once a per-second schedule reaches the cap', async () => {
    const { app, s, realmId, runtime } = await setUp({ agent: { runsPerHour: 3 } }, { scheduler: true });
    await until(() => app.scheduler!.isLeader);
    const rt = await runtime();
    await s.call('pulse_register', { realmId, agentId: 'agent-a', cron: '* * * * * *', runtimeId: rt, skipWhenIdle: false });
    const runs = async () => (await s.call('pulse_status', { realmId, agentId: 'agent-a', limit: 100 })).recentRuns as { status: string; skipReason: string | null; skipCount: number }[];
    await until(async () => ((await runs()).find((r) => r.skipReason === 'runs_per_hour_cap')?.skipCount ?? 0) >= 2);
    const all = await runs();
    expect(all.filter((r) => r.status === 'completed')).toHaveLength(3);
    expect(all.filter((r) => r.status !== 'completed' && r.status !== 'skipped')).toEqual([]);
    expect(await guardEntries(s, realmId)).toHaveLength(1);
  }, 30_000);
});

describe('the per-run cost ceiling', () => {
  const spender = join(fakeBin, 'claude-spender');

  it('hears Claude Code\'s spend while it runs: each API call\'s usage once, however many content blocks repeat it', async () => {
    const spends: Spend[] = [];
    const stop = new AbortController();
    const outcome = await adapters.claude_code.execute(
      request('claude_code', stateDir(), {
        runtime: { command: spender },
        signal: stop.signal,
        onSpend: (spend) => {
          spends.push(spend);
          if (spends.length === 4) stop.abort();
        },
      }),
    );
    expect(outcome.status).toBe('cancelled');
    expect(spends.slice(0, 4).map((x) => [x.costUsd, x.usage?.inputTokens, x.model])).toEqual([
      [null, 1_000_000, 'claude-sonnet-4-5'], [null, 1_000_000, 'claude-sonnet-4-5'], [null, 2_000_000, 'claude-sonnet-4-5'], [null, 2_000_000, 'claude-sonnet-4-5'],
    ]);
  });

  it('stops a run whose reported spend passes it, kills its process, bills what it spent and audits it', async () => {
    const { app, s, realmId, state } = await setUp({ runCostCents: 500 });
    const rt = (await s.call('bridge_register', { kind: 'claude_code', name: 'spender', command: spender, realmId, envVars: { FAKE_STATE: state } })).id;
    const run = await s.call('bridge_invoke', { runtimeId: rt, agentId: 'agent-a', context: {}, wait: true });
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/^cost ceiling exceeded: \d+ cents > 500$/);
    expect(run.costCents).toBeGreaterThanOrEqual(600);
    const pid = Number(readFileSync(join(state, 'spender.pid'), 'utf8'));
    await until(() => !alive(pid));
    const [entry] = await guardEntries(s, realmId);
    expect(entry).toMatchObject({ entityType: 'run', entityId: run.id, details: { scope: 'run', kind: 'runCost', limit: 500, current: run.costCents, stopped: true } });
    // The spend seen is in the ledger (the CLI never got to report its own total).
    expect((await s.call('ledger_summary', { realmId })).totalCents).toBe(run.costCents);
    // A stopped run counts as the agent failing.
    const node = await app.store.read((tx) => tx.nodes.get(realmId, 'agent-a'));
    expect(node!.failedAt).not.toBeNull();
  });

  it('cannot stop a run that reports its cost only at the end: the run stands, and the crossing is audited', async () => {
    const { s, realmId, state } = await setUp({ runCostCents: 10 });
    const rt = (await s.call('bridge_register', { kind: 'claude_code', name: 'spender', command: spender, realmId, envVars: { FAKE_STATE: state, FAKE_SPEND: 'end' } })).id;
    const run = await s.call('bridge_invoke', { runtimeId: rt, agentId: 'agent-a', context: {}, wait: true });
    expect(run).toMatchObject({ status: 'completed', costCents: 25 });
    expect((await guardEntries(s, realmId))[0]).toMatchObject({ entityId: run.id, details: { kind: 'runCost', limit: 10, current: 25, stopped: false } });
  });

  it('is off with runCostCents null', async () => {
    const { s, realmId, state } = await setUp({ runCostCents: null });
    const rt = (await s.call('bridge_register', { kind: 'claude_code', name: 'spender', command: spender, realmId, envVars: { FAKE_STATE: state, FAKE_SPEND: 'end' } })).id;
    expect(await s.call('bridge_invoke', { runtimeId: rt, agentId: 'agent-a', context: {}, wait: true })).toMatchObject({ status: 'completed', costCents: 25 });
    expect(await guardEntries(s, realmId)).toEqual([]);
  });
});

describe('liveness', () => {
  const beat = (app: App, realmId: string, agentId: string, at: string, state: HeartbeatState = 'ready') =>
    app.store.write((tx) => tx.nodes.heartbeat(realmId, agentId, { heartbeatAt: at, heartbeatState: state, load: null, region: null, agentVersion: null }));
  const liveness = async (app: App, realmId: string, agentId: string) => {
    const node = await app.store.read((tx) => tx.nodes.get(realmId, agentId));
    return livenessOf(node!, app.clock.now(), defaultFleetSettings, false);
  };

  it('goes failed after a failed run of an agent that heartbeats, not after a cancelled one, and stays null for one that never did', async () => {
    const { app, s, realmId, runtime, clock, state } = await setUp();
    await beat(app, realmId, 'agent-a', clock.now().toISOString());
    expect(await liveness(app, realmId, 'agent-a')).toBe('ready');
    const hang = await runtime('hang');
    const cancelled = await invoke(s, hang, 'agent-a', false);
    await hanging(state);
    expect((await s.call('bridge_cancel', { runId: cancelled.id })).status).toBe('cancelled');
    expect(await liveness(app, realmId, 'agent-a')).toBe('ready');
    clock.advance(1000);
    const fail = await runtime('fail');
    expect((await invoke(s, fail)).status).toBe('failed');
    expect(await liveness(app, realmId, 'agent-a')).toBe('failed');
    expect((await invoke(s, fail, 'agent-b')).status).toBe('failed');
    expect(await liveness(app, realmId, 'agent-b')).toBeNull();
    // The next heartbeat clears it.
    clock.advance(1000);
    await beat(app, realmId, 'agent-a', clock.now().toISOString());
    expect(await liveness(app, realmId, 'agent-a')).toBe('ready');
  });

  it('does not pulse offline or draining agents, and pulses those that never heartbeat', async () => {
    const { app, s, realmId, runtime, clock } = await setUp();
    const rt = await runtime();
    for (const agentId of ['agent-a', 'agent-b']) await s.call('pulse_register', { realmId, agentId, cron: '0 0 1 1 *', runtimeId: rt, skipWhenIdle: false });
    const tick = (agentId: string) => s.call('pulse_tick', { realmId, agentId });
    expect(await tick('agent-b')).toMatchObject({ status: 'completed' });
    await beat(app, realmId, 'agent-a', clock.now().toISOString());
    expect(await tick('agent-a')).toMatchObject({ status: 'completed' });
    clock.advance(91_000);
    expect(await tick('agent-a')).toMatchObject({ status: 'skipped', skipReason: 'offline' });
    await beat(app, realmId, 'agent-a', clock.now().toISOString(), 'draining');
    expect(await tick('agent-a')).toMatchObject({ status: 'skipped', skipReason: 'draining' });
    await beat(app, realmId, 'agent-a', clock.now().toISOString(), 'ready');
    expect(await tick('agent-a')).toMatchObject({ status: 'completed' });
  });
});
