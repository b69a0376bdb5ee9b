// Two real server processes on one PostgreSQL database (started by the test), as two instances of a fleet's
// control plane behind a balancer: both start together (migrations under the lock), claims from both hand each
// mission out once, and what one instance writes the other reads at once.
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callers, clientFor } from '../helpers/connect.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { cliPath, databaseArgs } from '../helpers/processes.js';
import { api, makeToken, startHttp } from '../helpers/http.js';
import { spawnSync } from 'node:child_process';

let server: TestPostgres;
let instances: Awaited<ReturnType<typeof spawnInstance>>[] = [];

async function spawnInstance(url: string) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [cliPath, '--database-url', url],
    stderr: 'pipe',
    env: { ...process.env, CONTROL_PLANE_LOG_LEVEL: 'warn' } as Record<string, string>,
  });
  const client = clientFor('modern', 'pg-instance');
  await client.connect(transport);
  return { client, ...callers(client), close: () => client.close() };
}

beforeAll(async () => {
  server = await startPostgres();
  const url = await server.createDatabase();
  instances = await Promise.all([spawnInstance(url), spawnInstance(url)]);
}, 60_000);
afterAll(async () => {
  await Promise.all(instances.map((i) => i.close()));
  await server?.stop();
});

describe('two instances on one PostgreSQL database', () => {
  it('share one realm and hand every mission out once, whichever instance claims it', async () => {
    const [a, b] = instances as [(typeof instances)[0], (typeof instances)[0]];
    const realmId = (await a.call('realm_create', { name: 'fleet', owner: 'o' })).id;
    expect((await b.call('realm_get', { id: realmId })).name).toBe('fleet');
    for (let i = 0; i < 4; i++) await b.call('hierarchy_set', { realmId, agentId: `agent-${i}` });
    for (let m = 0; m < 30; m++) await (m % 2 ? a : b).call('mission_create', { realmId, title: `m${m}`, createdBy: 'o', status: 'queued' });
    const claimed = await Promise.all(
      Array.from({ length: 4 }, (_, i) => (async () => {
        const mine: string[] = [];
        for (;;) {
          const { mission } = await instances[i % 2]!.call('mission_claim_next', { realmId, agentId: `agent-${i}` });
          if (!mission) return mine;
          mine.push(mission.id);
        }
      })()),
    );
    const all = claimed.flat();
    expect(all).toHaveLength(30);
    expect(new Set(all).size).toBe(30);
    expect((await a.call('mission_queue', { realmId })).missions.active.total).toBe(30);
    expect(await b.call('council_verify', { realmId })).toMatchObject({ valid: true });
  }, 60_000);

  it('let no more agents in than maxAgents, however many instances add them at once', async () => {
    const [a, b] = instances as [(typeof instances)[0], (typeof instances)[0]];
    const realmId = (await a.call('realm_create', { name: 'small', owner: 'o', maxAgents: 2 })).id;
    // Each adds after counting: without the realm's row held, two instances could both see room for the last.
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).client.callTool({ name: 'hierarchy_set', arguments: { realmId, agentId: `agent-${i}` } })),
    );
    expect(results.filter((r) => !r.isError)).toHaveLength(2);
    for (const r of results.filter((x) => x.isError)) expect(JSON.parse((r.content as { text: string }[])[0]!.text).error).toMatchObject({ code: 'conflict', details: { maxAgents: 2 } });
    expect((await b.call('hierarchy_find', { realmId })).count).toBe(2);
  }, 60_000);

  it('take API tokens made by the token command on the same database, and refuse them once it revokes them; readiness and metrics work', async () => {
    const url = await server.createDatabase();
    const token = makeToken(url, 'admin', { name: 'ops' });
    const http = await startHttp(url);
    try {
      expect((await api(http.url, token, 'GET', '/api/realms')).status).toBe(200);
      // Readiness and metrics read the PostgreSQL store as they read SQLite.
      expect((await api(http.url, token, 'GET', '/readyz')).body).toMatchObject({ ready: true, database: 'ok', scheduler: expect.stringMatching(/leader|standby/) });
      const metrics = await api(http.url, token, 'GET', '/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.body).toContain('controlplane_change_feed_lag_seconds');
      const list = spawnSync(process.execPath, [cliPath, 'token', 'list', ...databaseArgs(url)], { encoding: 'utf8' });
      expect(list.status).toBe(0);
      const id = token.split('_')[1]!;
      expect(list.stdout).toContain(`${id}\tadmin`);
      expect(spawnSync(process.execPath, [cliPath, 'token', 'revoke', id, ...databaseArgs(url)]).status).toBe(0);
      expect((await api(http.url, token, 'GET', '/api/realms')).status).toBe(401);
    } finally {
      await http.stop();
    }
  }, 60_000);
});
