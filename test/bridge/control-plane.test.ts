import pino from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { createApp } from '../../src/app.js';
import { connect } from '../helpers/connect.js';
import { calls, fakeCommand, stateDir } from '../helpers/fakes.js';
import { cliPath, tempDb } from '../helpers/processes.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { openPostgres } from '../../src/db/pg/open.js';

const apps: App[] = [];
afterEach(async () => void (await Promise.all(apps.splice(0).map((a) => a.close()))));
let postgres: TestPostgres | undefined;
afterAll(async () => postgres?.stop());

/** On a file, or on a PostgreSQL database whose URL the agent's server gets the way src/cli.ts hands it over. */
async function serverOn(engine: 'sqlite' | 'postgres') {
  if (engine === 'sqlite') {
    const db = tempDb();
    return createApp({ db, logger: pino({ level: 'silent' }), controlPlane: { command: process.execPath, args: [cliPath, '--db', db] } });
  }
  postgres ??= await startPostgres();
  const url = await postgres.createDatabase();
  return createApp({ db: ':memory:', openStore: await openPostgres(url), logger: pino({ level: 'silent' }), controlPlane: { command: process.execPath, args: [cliPath], env: { DATABASE_URL: url } } });
}

/** A server whose claude_code runtime (the fake) gets this server; agent-a reports to agent-boss. */
async function connectedRealm(envVars: Record<string, string> = {}, engine: 'sqlite' | 'postgres' = 'sqlite') {
  const state = stateDir();
  const app = await serverOn(engine);
  apps.push(app);
  const s = await connect({ app });
  const realmId = (await s.call('realm_create', { name: 'r', owner: 'o' })).id;
  await s.call('hierarchy_set', { realmId, agentId: 'agent-boss' });
  await s.call('hierarchy_set', { realmId, agentId: 'agent-a', reportsTo: 'agent-boss' });
  const mission = await s.call('mission_create', { realmId, title: 'Fix the login page', createdBy: 'o', status: 'queued' });
  const rt = await s.call('bridge_register', { kind: 'claude_code', name: 'claude', command: fakeCommand.claude_code, realmId, connectControlPlane: true, envVars: { FAKE_STATE: state, ...envVars } });
  return { s, state, realmId, mission, rt };
}

describe('an agent connected to the control plane', () => {
  it('gets this server over MCP on the same database, and works through its tools', async () => {
    const { s, state, realmId, mission, rt } = await connectedRealm();
    const run = await s.call('bridge_invoke', { runtimeId: rt.id, agentId: 'agent-a', missionId: mission.id, context: {}, wait: true });
    expect(run).toMatchObject({ status: 'completed', output: 'checked out and commented' });
    const argv = calls(state)[0]!.argv;
    expect(argv).toEqual(expect.arrayContaining(['--strict-mcp-config', '--allowedTools']));
    expect(argv[argv.indexOf('--allowedTools') + 1]!.split(',')).toContain('mcp__control-plane__mission_checkout');
    // The agent's own calls landed in this database.
    expect((await s.call('mission_list', { realmId })).missions[0]).toMatchObject({ status: 'active', assigneeId: 'agent-a' });
    expect((await s.call('mission_comments', { realmId, missionId: mission.id })).comments[0]).toMatchObject({ authorId: 'agent-a', body: 'picked this up through MCP' });
    await s.close();
  });

  it('on PostgreSQL, gets the database URL by environment, never on a command line, and works in that database', async () => {
    const { s, state, realmId, mission, rt } = await connectedRealm({}, 'postgres');
    const run = await s.call('bridge_invoke', { runtimeId: rt.id, agentId: 'agent-a', missionId: mission.id, context: {}, wait: true });
    expect(run).toMatchObject({ status: 'completed', output: 'checked out and commented' });
    const call = calls(state)[0]!;
    const url = call.env.DATABASE_URL!;
    expect(url).toMatch(/^postgres(ql)?:\/\//);
    // The MCP config names the variable; its value (with the password) is in no argument.
    expect(call.argv.some((arg) => arg.includes(url) || arg.includes('--db'))).toBe(false);
    expect(JSON.parse(call.argv[call.argv.indexOf('--mcp-config') + 1]!).mcpServers['control-plane'].env).toEqual({ DATABASE_URL: '${DATABASE_URL}' });
    expect((await s.call('mission_list', { realmId })).missions[0]).toMatchObject({ status: 'active', assigneeId: 'agent-a' });
    expect((await s.call('mission_comments', { realmId, missionId: mission.id })).comments[0]).toMatchObject({ authorId: 'agent-a' });
    await s.close();
  }, 60_000);

  it('is that agent: what it tries beyond its role is refused and nothing is written', async () => {
    const { s, realmId, mission, rt } = await connectedRealm({ FAKE_SCENARIO: 'escape' });
    const before = (await s.call('council_verify', { realmId })).entryCount;
    const run = await s.call('bridge_invoke', { runtimeId: rt.id, agentId: 'agent-a', missionId: mission.id, context: {}, wait: true });
    expect(run.status).toBe('completed');
    const attempts = JSON.parse(run.output);
    // It is not even shown the operator tools, and its CLI is not allowed them.
    expect(attempts.tools).not.toContain('bridge_register');
    expect(attempts.tools).not.toContain('realm_delete');
    expect(attempts.tools).toContain('mission_checkout');
    expect(attempts.allowed.split(',')).toEqual(attempts.tools.map((t: string) => `mcp__control-plane__${t}`));
    const [register, drop, asOther] = attempts.results;
    expect(register.error).toMatchObject({ code: 'forbidden', details: { permission: 'control_plane:runtimes:write', role: 'agent' } });
    expect(drop.error).toMatchObject({ code: 'forbidden', details: { permission: 'control_plane:realms:delete', role: 'agent' } });
    expect(asOther.error).toMatchObject({ code: 'forbidden', details: { field: 'authorId', reason: 'not_yourself' } });
    // Nothing was written: one runtime (ours), the realm still there, and the chain grew only by the run itself.
    expect((await s.call('bridge_list', { realmId })).runtimes.map((r: { name: string }) => r.name)).toEqual(['claude']);
    expect((await s.call('realm_get', { id: realmId })).status).toBe('active');
    expect((await s.call('mission_comments', { realmId, missionId: mission.id })).count).toBe(0);
    const after = await s.call('council_activity_log', { realmId, limit: 50 });
    expect(after.entries.slice(0, after.entries.length - before).map((e: { action: string }) => e.action).sort()).toEqual(['run_finished', 'run_started', 'spend_recorded']);
    await s.close();
  });
});
