// The Aragora seed's task, queue, stats and health paths on a real --http server, and the scheduler's metrics.
import parsePrometheus from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, makeToken, startHttp } from '../helpers/http.js';
import { spawnServer, tempDb } from '../helpers/processes.js';

const db = tempDb();
let server: Awaited<ReturnType<typeof startHttp>>;
let admin: string;
let realmId: string;

beforeAll(async () => {
  const setup = await spawnServer(db);
  realmId = (await setup.call('realm_create', { name: 'seed', owner: 'o' })).id;
  await setup.call('hierarchy_set', { realmId, agentId: 'agent-boss' });
  await setup.call('hierarchy_set', { realmId, agentId: 'agent-a', reportsTo: 'agent-boss', capabilities: ['gpu'] });
  await setup.close();
  admin = makeToken(db, 'admin');
  server = await startHttp(db);
});
afterAll(() => server.stop());

const call = (method: string, path: string, body?: unknown) => api(server.url, admin, method, path, body);
const counter = async (name: string) => {
  const metrics = parsePrometheus((await call('GET', '/metrics')).body as unknown as string);
  return Number((metrics.find((m) => m.name === name)?.metrics[0] as { value: string } | undefined)?.value ?? NaN);
};

describe("the seed's control-plane paths", () => {
  it('submit, claim, fail, complete, cancel; queue and stats; health', async () => {
    const submitted = await call('POST', '/api/control-plane/tasks', { realmId, title: 'render', createdBy: 'agent-boss', requiredCapabilities: ['gpu'] });
    expect(submitted.status).toBe(200);
    expect(submitted.body).toMatchObject({ status: 'queued', requiredCapabilities: ['gpu'] });
    const id = submitted.body.id as string;

    expect((await call('POST', '/api/control-plane/tasks/claim', { realmId, agentId: 'agent-boss' })).body).toEqual({ mission: null, lease: null });
    const claimed = await call('POST', '/api/control-plane/tasks/claim', { realmId, agentId: 'agent-a' });
    expect(claimed.body).toMatchObject({ mission: { id, status: 'active', assigneeId: 'agent-a' }, lease: { fence: 1, expiresAt: null } });

    // Our workflow goes through review: complete from active is refused, naming the allowed moves.
    const complete = await call('POST', `/api/control-plane/tasks/${id}/complete`, { realmId, agentId: 'agent-a' });
    expect(complete.status).toBe(422);
    expect(complete.body.error).toMatchObject({ code: 'invalid_transition', details: { from: 'active', to: 'complete' } });

    const stale = await call('POST', `/api/control-plane/tasks/${id}/fail`, { realmId, agentId: 'agent-a', reason: 'oom', fence: 0 });
    expect(stale.status).toBe(409);
    const failed = await call('POST', `/api/control-plane/tasks/${id}/fail`, { realmId, agentId: 'agent-a', reason: 'oom', fence: 1 });
    expect(failed.body).toMatchObject({ status: 'queued', attempts: 1, lastError: 'oom' });

    for (const path of ['/api/control-plane/queue', '/api/control-plane/stats']) {
      const queue = await call('GET', `${path}?realmId=${realmId}`);
      expect(queue.status).toBe(200);
      expect(queue.body.missions.retrying).toMatchObject({ total: 1, byPriority: { normal: 1 } });
      expect(queue.body.agents).toMatchObject({ silent: 2 });
    }

    const cancelled = await call('POST', `/api/control-plane/tasks/${id}/cancel`, { realmId, agentId: 'agent-boss' });
    expect(cancelled.body).toMatchObject({ status: 'cancelled' });

    const health = await call('GET', '/api/control-plane/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok' });

    expect(await counter('controlplane_mission_claims_total')).toBe(1);
    expect(await counter('controlplane_mission_retries_total')).toBe(1);
    expect(await counter('controlplane_mission_dead_letters_total')).toBe(0);
  });
});
