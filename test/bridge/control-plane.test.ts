import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { connect } from '../helpers/connect.js';
import { calls, fakeCommand, stateDir } from '../helpers/fakes.js';
import { cliPath, tempDb } from '../helpers/processes.js';

describe('an agent connected to the control plane', () => {
  it('gets this server over MCP on the same database, and works through its tools', async () => {
    const db = tempDb();
    const state = stateDir();
    const app = createApp({ db, logger: pino({ level: 'silent' }), controlPlane: { command: process.execPath, args: [cliPath, '--db', db] } });
    const s = await connect({ app });
    const realmId = (await s.call('realm_create', { name: 'r', owner: 'o' })).id;
    await s.call('hierarchy_set', { realmId, agentId: 'agent-a' });
    const mission = await s.call('mission_create', { realmId, title: 'Fix the login page', createdBy: 'o', status: 'queued' });
    const rt = await s.call('bridge_register', { kind: 'claude_code', name: 'claude', command: fakeCommand.claude_code, realmId, connectControlPlane: true, envVars: { FAKE_STATE: state } });
    const run = await s.call('bridge_invoke', { runtimeId: rt.id, agentId: 'agent-a', missionId: mission.id, context: {}, wait: true });
    expect(run).toMatchObject({ status: 'completed', output: 'checked out and commented' });
    const argv = calls(state)[0]!.argv;
    expect(argv).toEqual(expect.arrayContaining(['--strict-mcp-config', '--allowedTools', 'mcp__control-plane']));
    // The agent's own calls landed in this database.
    expect((await s.call('mission_list', { realmId })).missions[0]).toMatchObject({ status: 'active', assigneeId: 'agent-a' });
    expect((await s.call('mission_comments', { realmId, missionId: mission.id })).comments[0]).toMatchObject({ authorId: 'agent-a', body: 'picked this up through MCP' });
    await s.client.close();
    await app.close();
  });
});
