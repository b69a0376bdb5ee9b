// --role on the stdio binary, and what an agent-scoped process does not do.
import { describe, expect, it } from 'vitest';
import { Database } from '../../src/db/sqlite/driver.js';
import { spawnServer, tempDb } from '../helpers/processes.js';
import { rawServer } from '../helpers/raw-server.js';

async function realmWithAgent(db: string) {
  const admin = await spawnServer(db);
  const realm = await admin.call('realm_create', { name: 'r', owner: 'o' });
  await admin.call('hierarchy_set', { realmId: realm.id, agentId: 'agent-a' });
  await admin.call('pulse_register', { realmId: realm.id, agentId: 'agent-a', cron: '0 0 1 1 *' });
  await admin.close();
  return realm.id as string;
}

describe('stdio sessions with --role', () => {
  it('serve an agent its tools only, as itself, in its realm', async () => {
    const db = tempDb();
    const realmId = await realmWithAgent(db);
    const agent = await spawnServer(db, ['--role', 'agent', '--realm', realmId, '--agent', 'agent-a']);
    expect(agent.tools.map((t) => t.name)).toContain('mission_checkout');
    expect(agent.tools.map((t) => t.name)).not.toContain('bridge_register');
    expect(await agent.fail('pulse_toggle', { realmId, agentId: 'agent-a', enabled: false })).toMatchObject({ code: 'forbidden', details: { permission: 'control_plane:pulses:write' } });
    expect(await agent.fail('mission_comment', { realmId, missionId: 'msn-x', authorId: 'agent-b', body: 'x' })).toMatchObject({ code: 'forbidden', details: { field: 'authorId' } });
    await agent.close();
  });

  it('take the principal from the environment too', async () => {
    const db = tempDb();
    const realmId = await realmWithAgent(db);
    const server = rawServer(['--db', db], { env: { CONTROL_PLANE_ROLE: 'operator', CONTROL_PLANE_REALM: realmId } });
    server.end(
      '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}\n' +
        '{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}\n',
    );
    await server.exited;
    const names = server.answer(1)!.result.tools.map((t: { name: string }) => t.name);
    expect(names).not.toContain('realm_create');
    expect(names).toContain('realm_update');
  });

  it('refuse to start for a realm that does not exist, or a role without its realm', async () => {
    const db = tempDb();
    await realmWithAgent(db);
    const missing = rawServer(['--db', db, '--role', 'operator', '--realm', 'realm-nope']);
    missing.end();
    expect((await missing.exited).code).toBe(1);
    expect(missing.stderr).toMatch(/^control-plane-mcp: --realm realm-nope: no such realm in /);
    const bare = rawServer(['--db', db, '--role', 'agent', '--realm', 'realm-x']);
    bare.end();
    expect((await bare.exited).code).toBe(2);
    expect(bare.stderr).toContain('--role agent needs --agent ID');
  });

  it('never let an agent-scoped process hold the scheduler lease', async () => {
    const db = tempDb();
    const realmId = await realmWithAgent(db);
    const agent = await spawnServer(db, ['--role', 'agent', '--realm', realmId, '--agent', 'agent-a']);
    await agent.call('mission_list', { realmId });
    await new Promise((r) => setTimeout(r, 300));
    const file = new Database(db, { readonly: true });
    expect(file.prepare("SELECT count(*) AS n FROM leases WHERE name = 'pulse-scheduler' AND expires_at > ?").get(new Date().toISOString())).toEqual({ n: 0 });
    file.close();
    await agent.close();
  });
});
