import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { testApp, connect } from '../helpers/connect.js';
import { testStore } from '../helpers/engine.js';
import { rawSql } from '../helpers/raw-sql.js';
import { alive, calls, fakeCommand, hangPids, hanging, stateDir } from '../helpers/fakes.js';
import { newRealm, seedOrg } from '../helpers/org.js';
import { tempDb } from '../helpers/processes.js';

type Session = Awaited<ReturnType<typeof connect>>;
const silent = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let app: App;
let s: Session;
let realmId: string;
let state: string;
beforeEach(async () => {
  app = await testApp({ db: ':memory:', logger: silent, graceMs: 300 });
  s = await connect({ app });
  realmId = (await newRealm(s, { defaultModel: 'claude-sonnet-4-5' })).id;
  await seedOrg(s, realmId);
  state = stateDir();
});
afterEach(async () => {
  await s.client.close();
  await app.close();
});

const register = (kind: string, extra: Record<string, unknown> = {}) =>
  s.call('bridge_register', { kind, name: kind, command: fakeCommand[kind as keyof typeof fakeCommand], realmId, envVars: { FAKE_STATE: state }, ...extra });
const invoke = (runtimeId: string, extra: Record<string, unknown> = {}) =>
  s.call('bridge_invoke', { runtimeId, agentId: 'agent-dev-1', context: { goal: 'ship' }, prompt: 'Go', wait: true, ...extra });
const until = async <T>(read: () => Promise<T>, done: (v: T) => boolean, ms = 5000) => {
  const start = Date.now();
  for (;;) {
    const v = await read();
    if (done(v) || Date.now() - start > ms) return v;
    await sleep(50);
  }
};

describe('bridge_register and bridge_list', () => {
  it('checks each kind\'s needs, defaults the agent CLIs\' commands, and never echoes secrets', async () => {
    expect(await s.fail('bridge_register', { kind: 'process', name: 'p' })).toMatchObject({ code: 'invalid_input', details: { field: 'command' } });
    expect(await s.fail('bridge_register', { kind: 'http', name: 'h' })).toMatchObject({ details: { field: 'url' } });
    expect((await s.fail('bridge_register', { kind: 'http', name: 'h', url: 'ftp://x' })).details).toMatchObject({ field: 'url' });
    expect(await s.fail('bridge_register', { kind: 'process', name: 'p', command: 'x', workDir: '/no/such/dir' })).toMatchObject({ details: { field: 'workDir' } });
    const claude = await s.call('bridge_register', { kind: 'claude_code', name: 'c' });
    expect(claude).toMatchObject({ command: 'claude', realmId: null, timeoutSecs: 300, args: [], connectControlPlane: false });
    expect((await s.call('bridge_register', { kind: 'open_code', name: 'o' })).kind).toBe('opencode');
    const secret = await register('process', { envVars: { API_KEY: 'sk-1', MODE: 'fast' }, headers: { Authorization: 'Bearer x' } });
    expect(secret.envVars).toEqual({ API_KEY: '[REDACTED]', MODE: 'fast' });
    const { runtimes } = await s.call('bridge_list', { realmId });
    expect(runtimes.map((r: { id: string }) => r.id)).toContain(claude.id);
    expect(runtimes.find((r: { id: string }) => r.id === secret.id).envVars.API_KEY).toBe('[REDACTED]');
    expect((await s.call('bridge_list', { kind: 'opencode' })).count).toBe(1);
  });
});

describe('runs', () => {
  it('runs a process with the context as last argument and the CONTROL_PLANE_* environment', async () => {
    const rt = await register('process', { args: ['--flag'] });
    const m = await s.call('mission_create', { realmId, title: 'm', createdBy: 'agent-cto' });
    const run = await invoke(rt.id, { missionId: m.id });
    expect(run).toMatchObject({ status: 'completed', exitCode: 0, signal: null, realmId, agentId: 'agent-dev-1', missionId: m.id, ownerInstanceId: app.instanceId });
    expect(run.id).toMatch(/^brun-/);
    expect(JSON.parse(run.output)).toMatchObject({ args: ['--flag'], stdin: 'Go' });
    const [call] = calls(state);
    expect(call!.argv).toEqual(['--flag', '{"goal":"ship"}']);
    expect(call!.env).toMatchObject({ CONTROL_PLANE_RUN_ID: run.id, CONTROL_PLANE_AGENT_ID: 'agent-dev-1', CONTROL_PLANE_REALM_ID: realmId, CONTROL_PLANE_MISSION_ID: m.id });
    expect(call!.env.PATH).toBe(process.env.PATH);
    const log = (await s.call('council_activity_log', { realmId, limit: 2 })).entries.map((e: { action: string }) => e.action);
    expect(log).toEqual(['run_finished', 'run_started']);
  });

  it('returns at once without wait, and the run finishes by itself', async () => {
    const rt = await register('process');
    const started = await invoke(rt.id, { wait: false });
    expect(started).toMatchObject({ status: 'running', finishedAt: null });
    const done = await until(() => s.call('bridge_run', { runId: started.id }), (r) => r.status !== 'running');
    expect(done.status).toBe('completed');
    expect((await s.fail('bridge_run', { runId: 'brun-nope' })).code).toBe('not_found');
  });

  it('records failures with their exit code and stderr', async () => {
    const rt = await register('process', { envVars: { FAKE_STATE: state, FAKE_SCENARIO: 'fail' } });
    expect(await invoke(rt.id)).toMatchObject({ status: 'failed', exitCode: 3, error: 'something broke\nsomething broke\nsomething broke' });
    const short = await register('process', { envVars: { FAKE_STATE: state, FAKE_SCENARIO: 'hang' } });
    const timedOut = await invoke(short.id, { timeoutSecs: 1 });
    expect(timedOut).toMatchObject({ status: 'timed_out', signal: 'SIGTERM' });
  });

  it('sends progress notifications while it waits, when asked', async () => {
    const rt = await register('process');
    const progress: number[] = [];
    const result = await s.client.callTool(
      { name: 'bridge_invoke', arguments: { runtimeId: rt.id, agentId: 'agent-dev-1', context: {}, wait: true } },
      { onprogress: (p) => void progress.push(p.progress) },
    );
    expect(result.isError).toBeFalsy();
    expect(progress.length).toBeGreaterThanOrEqual(1);
  });

  it('keeps running when the client cancels its waiting call', async () => {
    const rt = await register('process', { envVars: { FAKE_STATE: state, FAKE_SCENARIO: 'hang' } });
    const controller = new AbortController();
    const call = s.client.callTool({ name: 'bridge_invoke', arguments: { runtimeId: rt.id, agentId: 'agent-dev-1', context: {}, wait: true } }, { signal: controller.signal });
    await until(async () => calls(state).length, (n) => n > 0);
    controller.abort();
    await expect(call).rejects.toThrow();
    await sleep(300);
    const [entry] = (await s.call('council_activity_log', { realmId, action: 'run_started' })).entries;
    expect((await s.call('bridge_run', { runId: entry.entityId })).status).toBe('running');
    await s.call('bridge_cancel', { runId: entry.entityId });
  });

  it('refuses a paused agent, a non-node, an agent over budget, and another realm\'s runtime', async () => {
    const rt = await register('process');
    await s.call('council_override', { realmId, operatorId: 'o', action: 'pause', targetAgentId: 'agent-dev-2', reason: 'r' });
    expect(await s.fail('bridge_invoke', { runtimeId: rt.id, agentId: 'agent-dev-2', context: {} })).toMatchObject({ code: 'forbidden', details: { reason: 'paused' } });
    expect(await s.fail('bridge_invoke', { runtimeId: rt.id, agentId: 'agent-ghost', context: {} })).toMatchObject({ code: 'forbidden', details: { reason: 'not_a_node' } });
    await s.call('ledger_set_budget', { realmId, agentId: 'agent-dev-1', monthlyCents: 1 });
    await s.call('ledger_spend', { realmId, agentId: 'agent-dev-1', costCents: 1, provider: 'p', model: 'm', inputTokens: 0, outputTokens: 0 });
    expect((await s.fail('bridge_invoke', { runtimeId: rt.id, agentId: 'agent-dev-1', context: {} })).code).toBe('budget_exceeded');
    const other = (await newRealm(s, { name: 'other' })).id;
    expect(await s.fail('bridge_invoke', { runtimeId: rt.id, agentId: 'agent-cto', context: {}, realmId: other })).toMatchObject({ code: 'forbidden' });
  });
});

describe('agent CLIs through the bridge', () => {
  const spendOf = async (runId: string): Promise<any> =>
    until(async () => (await s.call('council_activity_log', { realmId, action: 'spend_recorded' })).entries.find((e: { details: { runId: string } }) => e.details.runId === runId), Boolean);

  it('claude_code: cost reaches the ledger, and the session is resumed next time', async () => {
    const rt = await register('claude_code');
    const first = await invoke(rt.id);
    expect(first).toMatchObject({ status: 'completed', costCents: 4.25, usage: { inputTokens: 117, outputTokens: 245, cachedInputTokens: 3000 } });
    const spend = await spendOf(first.id);
    expect(spend.details).toMatchObject({ agentId: 'agent-dev-1', costCents: 4.25, provider: 'anthropic', model: 'claude-sonnet-4-5', runId: first.id });
    const second = await invoke(rt.id);
    expect(calls(state)[1]!.argv).toContain(first.sessionId);
    expect(second.sessionId).toBe(first.sessionId);
    const summary = await until(() => s.call('ledger_summary', { realmId }), (x) => x.eventCount === 2);
    expect(summary.totalCents).toBe(8.5);
  });

  it('claude_code: an unknown session is retried once with a fresh one', async () => {
    const rt = await register('claude_code');
    await rawSql(app).run('INSERT INTO agent_sessions (realm_id, agent_id, runtime_id, session_id, updated_at) VALUES (?, ?, ?, ?, ?)', realmId, 'agent-dev-1', rt.id, '11111111-2222-4333-8444-555555555555', 'x');
    const run = await invoke(rt.id);
    expect(run.status).toBe('completed');
    const [failed, fresh] = calls(state);
    expect(failed!.argv).toContain('11111111-2222-4333-8444-555555555555');
    expect(fresh!.argv).not.toContain('--resume');
    expect(run.sessionId).not.toBe('11111111-2222-4333-8444-555555555555');
  });

  it("opencode: the cost is counted whatever the model's provider prefix (cut to the ledger's 64 characters, or unknown)", async () => {
    for (const [model, provider] of [[`${'p'.repeat(100)}/m`, 'p'.repeat(64)], ['/m', 'unknown']] as const) {
      const run = await invoke((await register('opencode', { name: `o-${provider.length}`, model })).id);
      expect(run).toMatchObject({ status: 'completed', model });
      expect((await spendOf(run.id))?.details, model).toMatchObject({ provider, model, runId: run.id });
    }
  });

  it('codex: tokens without a cost are priced from the table', async () => {
    const rt = await register('codex', { model: 'gpt-5', envVars: { FAKE_STATE: state, CODEX_HOME: state } });
    const run = await invoke(rt.id);
    // 600 input, 400 cached, 100 output at gpt-5 list prices: $0.0018 = 0.18 cents.
    expect(run).toMatchObject({ status: 'completed', costCents: 0.18 });
    expect((await spendOf(run.id)).details).toMatchObject({ provider: 'openai', model: 'gpt-5', costCents: 0.18 });
  });
});

describe('bridge_cancel', () => {
  it('stops the whole process tree and refuses a finished run', async () => {
    const rt = await register('process', { envVars: { FAKE_STATE: state, FAKE_SCENARIO: 'hang' } });
    const run = await invoke(rt.id, { wait: false });
    await hanging(state);
    const cancelled = await s.call('bridge_cancel', { runId: run.id });
    expect(cancelled).toMatchObject({ status: 'cancelled' });
    const { parent, grandchild } = hangPids(state);
    expect(alive(parent) || alive(grandchild)).toBe(false);
    expect(await s.fail('bridge_cancel', { runId: run.id })).toMatchObject({ code: 'conflict', details: { status: 'cancelled' } });
    expect((await s.call('council_activity_log', { realmId, limit: 1 })).entries[0].action).toBe('run_cancelled');
  });

  it('happens to an agent\'s running runs when it is terminated', async () => {
    const rt = await register('process', { envVars: { FAKE_STATE: state, FAKE_SCENARIO: 'hang' } });
    const run = await invoke(rt.id, { wait: false });
    await until(async () => calls(state).length, (n) => n > 0);
    const result = await s.call('council_override', { realmId, operatorId: 'o', action: 'terminate', targetAgentId: 'agent-dev-1', reason: 'gone' });
    expect(result.cancelledRuns).toEqual([run.id]);
    const ended = await until(() => s.call('bridge_run', { runId: run.id }), (r) => r.status !== 'running');
    expect(ended.status).toBe('cancelled');
  });

  it('works from another process on the same database', async () => {
    const [db, openStore] = [tempDb(), await testStore()];
    const owner = createApp({ db, openStore, logger: silent, graceMs: 300 });
    const other = createApp({ db, openStore, logger: silent, graceMs: 300 });
    const here = await connect({ app: owner });
    const there = await connect({ app: other });
    const r = (await here.call('realm_create', { name: 'shared', owner: 'o' })).id;
    await here.call('hierarchy_set', { realmId: r, agentId: 'agent-a' });
    const rt = await here.call('bridge_register', { kind: 'process', name: 'p', command: fakeCommand.process, realmId: r, envVars: { FAKE_STATE: state, FAKE_SCENARIO: 'hang' } });
    const run = await here.call('bridge_invoke', { runtimeId: rt.id, agentId: 'agent-a', context: {} });
    await until(async () => calls(state).length, (n) => n > 0);
    const cancelled = await there.call('bridge_cancel', { runId: run.id });
    expect(cancelled).toMatchObject({ status: 'cancelled', ownerInstanceId: owner.instanceId });
    await here.client.close();
    await there.client.close();
    await owner.close();
    await other.close();
  });
});

describe('a runtime that cannot be reached', () => {
  it('answers a waiting bridge_invoke with runtime_error (502), and records the run as failed', async () => {
    const http = await s.call('bridge_register', { kind: 'http', name: 'down', url: 'http://127.0.0.1:9/agent', realmId });
    const error = await s.fail('bridge_invoke', { runtimeId: http.id, agentId: 'agent-dev-1', context: {}, wait: true });
    expect(error).toMatchObject({ code: 'runtime_error', details: { runtimeId: http.id, runId: expect.stringMatching(/^brun-/) } });
    expect(await s.call('bridge_run', { runId: error.details!.runId })).toMatchObject({ status: 'failed', error: expect.stringMatching(/^runtime unreachable: request failed/) });
    const missing = await s.call('bridge_register', { kind: 'process', name: 'gone', command: '/no/such/binary', realmId });
    expect((await s.fail('bridge_invoke', { runtimeId: missing.id, agentId: 'agent-dev-1', context: {}, wait: true })).code).toBe('runtime_error');
    // Without wait the run is simply returned; it fails in the background.
    expect((await s.call('bridge_invoke', { runtimeId: http.id, agentId: 'agent-dev-1', context: {} })).status).toBe('running');
  });
});

describe('permission levels, inherited environment and references', () => {
  const count = async () => (await s.call('bridge_list', {})).count;

  it('default agent CLIs to edit, apply only to them, and refuse a level the CLI would refuse as this user', async () => {
    expect(await register('codex')).toMatchObject({ permissions: 'edit', inheritEnv: [] });
    expect(await register('opencode', { permissions: 'read_only' })).toMatchObject({ permissions: 'read_only' });
    expect((await register('process')).permissions).toBeNull();
    const before = await count();
    expect(await s.fail('bridge_register', { kind: 'process', name: 'p', command: 'x', permissions: 'full' })).toMatchObject({
      code: 'invalid_input', details: { field: 'permissions' }, message: expect.stringContaining('apply to agent CLIs'),
    });
    expect((await s.fail('bridge_register', { kind: 'codex', name: 'c', permissions: 'root' })).details).toMatchObject({ field: 'permissions' });
    const full = { kind: 'claude_code', name: 'yolo', permissions: 'full' };
    if (process.getuid?.() === 0) {
      expect(await s.fail('bridge_register', full)).toMatchObject({ code: 'invalid_input', details: { field: 'permissions' }, message: expect.stringContaining('IS_SANDBOX') });
      expect(await count()).toBe(before);
      // Inside a sandbox Claude allows it, and so do we.
      expect((await s.call('bridge_register', { ...full, envVars: { IS_SANDBOX: '1' } })).permissions).toBe('full');
    } else {
      expect((await s.call('bridge_register', full)).permissions).toBe('full');
    }
  });

  it('store ${env:NAME} references instead of secrets, show them, and refuse malformed ones', async () => {
    const rt = await s.call('bridge_register', { kind: 'http', name: 'h', realmId, url: 'http://127.0.0.1:9/x', headers: { Authorization: 'Bearer ${env:AGENT_TOKEN}' }, envVars: { API_KEY: '${env:CP_TEST_KEY}' }, inheritEnv: ['ANTHROPIC_API_KEY', 'AWS_*'] });
    expect(rt).toMatchObject({ headers: { Authorization: 'Bearer ${env:AGENT_TOKEN}' }, envVars: { API_KEY: '${env:CP_TEST_KEY}' }, inheritEnv: ['ANTHROPIC_API_KEY', 'AWS_*'] });
    const before = await count();
    expect(await s.fail('bridge_register', { kind: 'process', name: 'p', command: 'x', envVars: { K: '${env:not a name}' } })).toMatchObject({ code: 'invalid_input', details: { field: 'envVars.K' } });
    expect((await s.fail('bridge_register', { kind: 'process', name: 'p', command: 'x', inheritEnv: ['A B'] })).details!.field).toMatch(/^inheritEnv/);
    expect(await count()).toBe(before);
    const exported = await s.call('realm_export', { id: realmId });
    expect(exported.runtimes.find((r: { id: string }) => r.id === rt.id).envVars).toEqual({ API_KEY: '${env:CP_TEST_KEY}' });
  });

  it('resolve references when a run starts; a missing variable fails the run, saying which', async () => {
    process.env.CP_TEST_ARG = 'from-the-server';
    try {
      const rt = await register('process', { envVars: { FAKE_STATE: state, FROM_SERVER: '${env:CP_TEST_ARG}' } });
      expect((await invoke(rt.id)).status).toBe('completed');
      expect(calls(state)[0]!.env.FROM_SERVER).toBe('from-the-server');
    } finally {
      delete process.env.CP_TEST_ARG;
    }
    const missing = await register('process', { envVars: { FAKE_STATE: state, KEY: '${env:CP_TEST_NEVER_SET}' } });
    const error = await s.fail('bridge_invoke', { runtimeId: missing.id, agentId: 'agent-dev-1', context: {}, wait: true });
    expect(error.code).toBe('runtime_error');
    expect(await s.call('bridge_run', { runId: error.details!.runId })).toMatchObject({
      status: 'failed', error: "runtime unreachable: envVars.KEY refers to ${env:CP_TEST_NEVER_SET}, which is not set in the server's environment",
    });
    expect(calls(state)).toHaveLength(1);
  });

  it('record on the run the model and provider, and the tool calls Claude denied', async () => {
    const rt = await register('claude_code', { permissions: 'read_only', envVars: { FAKE_STATE: state, FAKE_SCENARIO: 'write', FAKE_WRITE_PATH: `${state}/x.txt` } });
    const run = await invoke(rt.id, { model: 'claude-opus-5-5[1m]' });
    expect(run).toMatchObject({ status: 'completed', provider: 'anthropic', model: 'claude-opus-5-5[1m]', permissionDenials: [{ tool: 'Write', input: { file_path: `${state}/x.txt`, api_key: '[REDACTED]' } }] });
    expect(calls(state)[0]!.argv).toContain('default');
  });

  it('price a Codex run at the model its rollout names when neither the runtime nor the realm names one', async () => {
    const bare = (await newRealm(s, { name: 'no default model' })).id;
    await seedOrg(s, bare);
    const rt = await s.call('bridge_register', { kind: 'codex', name: 'c', command: fakeCommand.codex, realmId: bare, envVars: { FAKE_STATE: state, CODEX_HOME: state } });
    const run = await s.call('bridge_invoke', { runtimeId: rt.id, agentId: 'agent-dev-1', context: {}, wait: true });
    expect(calls(state)[0]!.argv).not.toContain('-m');
    // 600 input, 400 cached, 100 output at gpt-6.1-sol's 2 / 10 / 0.1 USD per million: 0.224 cents.
    expect(run).toMatchObject({ status: 'completed', model: 'gpt-6.1-sol', provider: 'openai', costCents: 0.224 });
  });

  it('refuse a model beginning with "-", which an agent CLI would read as another option, wherever it is set', async () => {
    const option = '--file=/etc/passwd';
    const modelRefused = { code: 'invalid_input', details: { field: 'model' } };
    expect(await s.fail('bridge_register', { kind: 'opencode', name: 'o', realmId, model: option })).toMatchObject(modelRefused);
    expect(await s.fail('realm_update', { id: realmId, defaultModel: ` ${option}` })).toMatchObject({ code: 'invalid_input', details: { field: 'defaultModel' } });
    const rt = await register('opencode');
    expect(await s.fail('bridge_invoke', { runtimeId: rt.id, agentId: 'agent-dev-1', context: {}, model: option })).toMatchObject(modelRefused);
    // A realm that stored one before inputs refused it: the run is refused before anything starts.
    await app.store.write(function* (tx) {
      const realm = (yield* tx.realms.get(realmId))!;
      yield* tx.realms.update(realmId, realm.version, { defaultModel: option });
    });
    expect(await s.fail('bridge_invoke', { runtimeId: rt.id, agentId: 'agent-dev-1', context: {} })).toMatchObject(modelRefused);
    expect(calls(state)).toEqual([]);
    expect((await s.call('council_activity_log', { realmId, action: 'run_started' })).entries).toEqual([]);
  });
});

describe('shutdown', () => {
  it('never waits on a run past its grace period, and leaves none of its processes behind', async () => {
    const mine = await testApp({ db: ':memory:', logger: silent, graceMs: 300 });
    const c = await connect({ app: mine });
    const r = (await newRealm(c)).id;
    await seedOrg(c, r);
    const rt = await c.call('bridge_register', { kind: 'process', name: 'stubborn', command: fakeCommand.process, realmId: r, envVars: { FAKE_STATE: state, FAKE_SCENARIO: 'hang', FAKE_IGNORE_TERM: '1', FAKE_LEAVE: 'escape' } });
    await c.call('bridge_invoke', { runtimeId: rt.id, agentId: 'agent-dev-1', context: {} });
    const { parent, grandchild } = await hanging(state);
    const started = Date.now();
    await c.client.close();
    await mine.close();
    expect(Date.now() - started).toBeLessThan(300 + 2000 + 1000);
    const escaped = JSON.parse(readFileSync(join(state, 'left-behind.json'), 'utf8')).pid;
    await until(async () => [parent, grandchild, escaped].some(alive), (any) => !any, 2000);
    expect([parent, grandchild, escaped].filter(alive)).toEqual([]);
  });
});

describe('realm documents exported before permission levels', () => {
  it('import, their agent CLI runtimes at edit (as the migration set stored ones)', async () => {
    await register('codex');
    await register('process');
    const document = await s.call('realm_export', { id: realmId });
    for (const rt of document.runtimes) {
      delete rt.permissions;
      delete rt.inheritEnv;
    }
    const copy = await s.call('realm_import', { data: document, newName: 'old copy' });
    const { runtimes } = await s.call('bridge_list', { realmId: copy.realm.id });
    const mine = runtimes.filter((r: { realmId: string }) => r.realmId === copy.realm.id);
    expect(mine.map((r: { kind: string; permissions: string | null; inheritEnv: string[] }) => [r.kind, r.permissions, r.inheritEnv]).sort()).toEqual([
      ['codex', 'edit', []],
      ['process', null, []],
    ]);
  });
});
