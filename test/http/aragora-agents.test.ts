// The Aragora control plane's agent registry paths (aliases of the hierarchy functions), the heartbeat and the
// agents-by-liveness gauge, on a real --http server on loopback, driven by fetch with real tokens.
import parsePrometheus from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, makeToken, startHttp } from '../helpers/http.js';
import { spawnServer, tempDb } from '../helpers/processes.js';

const db = tempDb();
let server: Awaited<ReturnType<typeof startHttp>>;
let admin: string;
let agent: string;
let realmId: string;
let otherRealm: string;

beforeAll(async () => {
  const setup = await spawnServer(db);
  realmId = (await setup.call('realm_create', { name: 'aragora', owner: 'o' })).id;
  otherRealm = (await setup.call('realm_create', { name: 'other', owner: 'o' })).id;
  await setup.call('hierarchy_set', { realmId, agentId: 'agent-boss', capabilities: ['plan'] });
  await setup.call('hierarchy_set', { realmId: otherRealm, agentId: 'agent-far' });
  await setup.close();
  admin = makeToken(db, 'admin');
  agent = makeToken(db, 'agent', { realm: realmId, agent: 'agent-go' });
  server = await startHttp(db);
});
afterAll(() => server.stop());

const call = (method: string, path: string, body?: unknown, token: string | null = admin) => api(server.url, token, method, path, body);

/** The controlplane_agents gauge, by liveness. */
async function agentsGauge(): Promise<Record<string, string>> {
  const families = parsePrometheus((await call('GET', '/metrics')).body as unknown as string);
  const gauge = families.find((f) => f.name === 'controlplane_agents')!;
  expect(gauge.type).toBe('GAUGE');
  return Object.fromEntries((gauge.metrics as { labels: { liveness: string }; value: string }[]).map((m) => [m.labels.liveness, m.value]));
}

describe('/api/control-plane/agents', () => {
  it('registers, heartbeats, lists, filters and removes agents, and the gauge counts them by liveness', async () => {
    const placed = await call('POST', '/api/control-plane/agents', { realmId, agentId: 'agent-go', reportsTo: 'agent-boss', capabilities: ['go'] });
    expect(placed.status).toBe(200);
    expect(placed.body).toMatchObject({ agentId: 'agent-go', reportsTo: 'agent-boss', capabilities: ['go'], heartbeatAt: null });
    expect(await agentsGauge()).toEqual({ starting: '0', ready: '0', busy: '0', draining: '0', offline: '0', failed: '0', none: '3' });

    // The agent beats as itself: its realm and its id come from its token and the path.
    const beat = await call('POST', '/api/control-plane/agents/agent-go/heartbeat', { state: 'ready', region: 'eu-west', load: 2, version: '0.9' }, agent);
    expect(beat.status).toBe(200);
    expect(beat.body).toMatchObject({ agentId: 'agent-go', liveness: 'ready', heartbeatIntervalSecs: 30, leasesRenewed: 0 });
    const forOther = await call('POST', '/api/control-plane/agents/agent-boss/heartbeat', {}, agent);
    expect(forOther.status).toBe(403);
    expect(forOther.body.error).toMatchObject({ code: 'forbidden', details: { reason: 'not_yourself' } });
    const bad = await call('POST', '/api/control-plane/agents/agent-go/heartbeat', { load: -3 }, agent);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_input');
    expect((await call('POST', '/api/control-plane/agents/agent-boss/heartbeat', { realmId, state: 'draining' })).body.liveness).toBe('draining');

    const ids = async (query: string) => {
      const listed = await call('GET', `/api/control-plane/agents?realmId=${realmId}${query}`);
      expect(listed.status).toBe(200);
      return listed.body.matches.map((m: { agentId: string; liveness: string | null }) => `${m.agentId}:${m.liveness}`);
    };
    expect(await ids('')).toEqual(['agent-boss:draining', 'agent-go:ready']);
    expect(await ids('&liveness=ready')).toEqual(['agent-go:ready']);
    expect(await ids('&liveness=ready,draining')).toEqual(['agent-boss:draining', 'agent-go:ready']);
    expect(await ids('&region=eu-west')).toEqual(['agent-go:ready']);
    expect(await ids('&capability=plan')).toEqual(['agent-boss:draining']);
    expect((await call('GET', `/api/control-plane/agents?realmId=${realmId}&liveness=asleep`)).status).toBe(400);
    // An agent lists its own realm without naming it.
    expect((await call('GET', '/api/control-plane/agents', undefined, agent)).body.count).toBe(2);

    expect(await agentsGauge()).toMatchObject({ ready: '1', draining: '1', none: '1' });

    const removed = await call('DELETE', `/api/control-plane/agents/agent-go?realmId=${realmId}`);
    expect(removed.status).toBe(200);
    expect(removed.body.removed).toMatchObject({ agentId: 'agent-go' });
    expect(await ids('')).toEqual(['agent-boss:draining']);
    expect(await agentsGauge()).toMatchObject({ ready: '0', draining: '1', none: '1' });
  });

  it('keeps an operator of another realm out', async () => {
    const stranger = makeToken(db, 'operator', { realm: otherRealm });
    const refused = await call('POST', '/api/control-plane/agents/agent-boss/heartbeat', { realmId }, stranger);
    expect(refused.status).toBe(403);
    expect(refused.body.error.details).toMatchObject({ reason: 'other_realm' });
    expect((await call('GET', `/api/control-plane/agents?realmId=${realmId}`, undefined, stranger)).status).toBe(403);
  });

  it('is documented in the OpenAPI document as aliases', async () => {
    const { body: doc } = await call('GET', '/api/openapi.json');
    expect(Object.keys(doc.paths['/api/control-plane/agents'])).toEqual(expect.arrayContaining(['get', 'post']));
    expect(doc.paths['/api/control-plane/agents/{agentId}']).toHaveProperty('delete');
    expect(doc.paths['/api/control-plane/agents/{agentId}/heartbeat']).toHaveProperty('post');
  });
});
