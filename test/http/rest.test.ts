// The REST API, OpenAPI, health and metrics of a real --http server on loopback, driven by fetch.
import { Validator } from '@seriousme/openapi-schema-validator';
import parsePrometheus from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/db/sqlite/driver.js';
import { catalogue } from '../../src/tools/catalogue.js';
import { toolName } from '../../src/tools/declaration.js';
import { api, makeToken, startHttp } from '../helpers/http.js';
import { spawnServer, tempDb } from '../helpers/processes.js';

const db = tempDb();
let server: Awaited<ReturnType<typeof startHttp>>;
let admin: string;
const ids: Record<string, string> = {};
/** A realm of its own for the route sweep, which calls every route, removing agents and all. */
const spare: Record<string, string> = {};

async function fixture(setup: Awaited<ReturnType<typeof spawnServer>>, into: Record<string, string>, name: string) {
  into.realm = (await setup.call('realm_create', { name, owner: 'o' })).id;
  await setup.call('hierarchy_set', { realmId: into.realm, agentId: 'agent-boss' });
  await setup.call('hierarchy_set', { realmId: into.realm, agentId: 'agent-a', reportsTo: 'agent-boss' });
  into.mission = (await setup.call('mission_create', { realmId: into.realm, title: 'm', createdBy: 'o', status: 'queued' })).id;
  into.directive = (await setup.call('directive_create', { realmId: into.realm, title: 'd', level: 'realm' })).id;
  into.proposal = (await setup.call('council_submit', { realmId: into.realm, kind: 'custom', title: 'p', requestedBy: 'agent-a' })).id;
  into.runtime = (await setup.call('bridge_register', { kind: 'http', name: 'h', url: 'http://127.0.0.1:9/', realmId: into.realm })).id;
  into.run = (await setup.call('bridge_invoke', { runtimeId: into.runtime, agentId: 'agent-a', context: {} })).id;
}

beforeAll(async () => {
  const setup = await spawnServer(db);
  await fixture(setup, ids, 'rest');
  await fixture(setup, spare, 'spare');
  ids.other = (await setup.call('realm_create', { name: 'other', owner: 'o' })).id;
  await setup.close();
  admin = makeToken(db, 'admin');
  server = await startHttp(db);
});
afterAll(() => server.stop());


const call = (method: string, path: string, body?: unknown, token: string | null = admin) => api(server.url, token, method, path, body);

describe('every REST route', () => {
  it('reaches its own function (checked in the metrics), with each path parameter filled in', async () => {
    const routed = catalogue.filter((d) => d.rest);
    // A plausible value for each path parameter, by name and route.
    const value = (name: string, path: string) =>
      name === 'realmId' ? spare.realm
      : name === 'agentId' ? 'agent-a'
      : name === 'missionId' ? spare.mission
      : name === 'runId' ? spare.run
      : path.startsWith('/api/realms') ? spare.realm
      : path.startsWith('/api/directives') ? spare.directive
      : path.startsWith('/api/council') ? spare.proposal
      : spare.mission;
    for (const d of routed) {
      const path = d.rest!.path.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(value(name, d.rest!.path)!));
      // realm_delete would end the fixture; it is reached with a confirm that does not match.
      const body = d.id === 'realm::delete' ? undefined : ['POST', 'PATCH'].includes(d.rest!.method) ? {} : undefined;
      const response = await call(d.rest!.method, d.id === 'realm::delete' ? `${path}?confirm=wrong` : path, body);
      expect(response.status, `${d.rest!.method} ${d.rest!.path}`).not.toBe(405);
      expect(response.body === null || typeof response.body === 'object', `${d.id} answers JSON`).toBe(true);
      if (response.status !== 200) expect(Object.keys(response.body.error).sort(), d.id).toEqual(['code', 'details', 'message']);
    }
    const metrics = parsePrometheus((await call('GET', '/metrics')).body as unknown as string);
    const calls = metrics.find((m) => m.name === 'controlplane_calls_total')!.metrics as { labels: Record<string, string> }[];
    const reached = new Set(calls.filter((m) => m.labels.transport === 'rest').map((m) => m.labels.function));
    for (const d of routed) expect(reached.has(toolName(d.id)), `${d.rest!.method} ${d.rest!.path} → ${toolName(d.id)}`).toBe(true);
  });

  it('merges path, query and body into one input, and paginates with the same cursors', async () => {
    for (let i = 0; i < 3; i++) expect((await call('POST', '/api/missions', { realmId: ids.realm, title: `page ${i}`, createdBy: 'o' })).status).toBe(200);
    const first = await call('GET', `/api/missions/${ids.realm}?limit=2&status=backlog`);
    expect(first.status).toBe(200);
    expect(first.body.count).toBe(2);
    const second = await call('GET', `/api/missions/${ids.realm}?limit=2&status=backlog&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(second.body.missions.map((m: { id: string }) => m.id)).not.toContain(first.body.missions[0].id);
    const checkedOut = await call('POST', `/api/missions/${ids.mission}/checkout`, { realmId: ids.realm, agentId: 'agent-a' });
    expect(checkedOut.body).toMatchObject({ id: ids.mission, status: 'active', assigneeId: 'agent-a' });
    expect((await call('GET', `/api/hierarchy/${ids.realm}/find?capability=none`)).body).toEqual({ matches: [], count: 0 });
    const mismatch = await call('POST', `/api/missions/${ids.mission}/checkout`, { realmId: ids.realm, id: 'msn-other', agentId: 'agent-a' });
    expect(mismatch).toMatchObject({ status: 400, body: { error: { code: 'invalid_input', details: { field: 'id' } } } });
  });
});

describe('error statuses', () => {
  it('map every code to its status, with the same body as MCP', async () => {
    expect((await call('POST', '/api/realms', { name: 'no owner' })).status).toBe(400);
    expect((await call('GET', '/api/realms', undefined, null)).status).toBe(401);
    const agent = makeToken(db, 'agent', { realm: ids.realm, agent: 'agent-a' });
    expect((await call('POST', '/api/realms', { name: 'x', owner: 'o' }, agent)).body.error).toMatchObject({ code: 'forbidden', details: { permission: 'control_plane:realms:create' } });
    expect((await call('GET', `/api/missions/${ids.other}`, undefined, agent)).status).toBe(403);
    expect((await call('POST', `/api/missions/${ids.mission}/comments`, { realmId: ids.realm, authorId: 'agent-boss', body: 'as my boss' }, agent)).body.error)
      .toMatchObject({ code: 'forbidden', details: { field: 'authorId', reason: 'not_yourself' } });
    expect((await call('POST', '/api/hierarchy', { realmId: ids.realm, agentId: 'agent-x' }, agent)).body.error.details.permission).toBe('control_plane:agents:write');
    expect((await call('GET', '/api/realms/realm-nope')).status).toBe(404);
    expect((await call('PATCH', `/api/realms/${ids.realm}`, { expectedVersion: 99, name: 'x' })).status).toBe(409);
    const m = (await call('POST', '/api/missions', { realmId: ids.realm, title: 'cannot start', createdBy: 'agent-boss', status: 'queued' })).body;
    expect((await call('PATCH', `/api/missions/${m.id}/status`, { realmId: ids.realm, status: 'active', agentId: 'agent-boss' })).status).toBe(422);
    await call('POST', '/api/ledger/budget', { realmId: ids.realm, agentId: 'agent-boss', monthlyCents: 0 });
    expect((await call('POST', `/api/missions/${m.id}/checkout`, { realmId: ids.realm, agentId: 'agent-boss' })).status).toBe(402);
    const waited = await call('POST', '/api/bridge/invoke', { runtimeId: ids.runtime, agentId: 'agent-a', context: {}, wait: true });
    expect(waited).toMatchObject({ status: 502, body: { error: { code: 'runtime_error' } } });
    await call('PATCH', `/api/realms/${ids.other}`, { status: 'suspended' });
    expect((await call('POST', '/api/hierarchy', { realmId: ids.other, agentId: 'agent-late' })).status).toBe(423);
    // A broken store: internal, 500, with a request id.
    const file = new Database(db);
    file.exec('ALTER TABLE comments RENAME TO comments_gone');
    const broken = await call('GET', `/api/missions/${ids.realm}/${ids.mission}/comments`);
    file.exec('ALTER TABLE comments_gone RENAME TO comments');
    file.close();
    expect(broken).toMatchObject({ status: 500, body: { error: { code: 'internal', details: { requestId: expect.any(String) } } } });
  });

  it('answer invalid JSON 400, a wrong method 405, an unknown route 404, a non-JSON body 415', async () => {
    expect(await call('POST', '/api/realms', '{"name": ')).toMatchObject({ status: 400, body: { error: { code: 'invalid_input' } } });
    const wrong = await call('PUT', '/api/realms');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST, GET');
    expect((await call('GET', '/api/nothing/here')).status).toBe(404);
    expect((await api(server.url, admin, 'POST', '/api/realms', 'name=x', { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(415);
  });
});

describe('who the audit chain says acted', () => {
  it('is the token\'s principal, for mutations only', async () => {
    const alice = makeToken(db, 'operator', { realm: ids.realm, name: 'alice' });
    const before = (await call('GET', `/api/council/verify/${ids.realm}`)).body.entryCount;
    await call('GET', `/api/hierarchy/${ids.realm}/tree`, undefined, alice);
    expect((await call('GET', `/api/council/verify/${ids.realm}`)).body.entryCount).toBe(before);
    await call('POST', '/api/hierarchy', { agentId: 'agent-hired-by-alice' }, alice);
    const last = (await call('GET', `/api/council/activity/${ids.realm}?limit=1`)).body.entries[0];
    expect(last).toMatchObject({ actorKind: 'human', actorId: 'human:alice', entityId: 'agent-hired-by-alice' });
  });
});

describe('the OpenAPI document and the reference page', () => {
  it('is valid OpenAPI 3.1 and documents every route', async () => {
    const { body: doc } = await call('GET', '/api/openapi.json');
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const d of catalogue.filter((x) => x.rest)) {
      const op = doc.paths[d.rest!.path.replace(/:(\w+)/g, '{$1}')]?.[d.rest!.method.toLowerCase()];
      expect(op, d.id).toMatchObject({ operationId: toolName(d.id), responses: { '200': expect.anything(), '401': expect.anything() } });
    }
    expect((await call('GET', '/api/openapi.json', undefined, null)).status).toBe(401);
  });

  it('is readable at /api/docs, served from the package (no CDN)', async () => {
    const page = await fetch(`${server.url}/api/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('/api/docs/swagger-ui-bundle.js');
    expect(html).not.toMatch(/https?:\/\//);
    expect((await fetch(`${server.url}/api/docs/swagger-ui-bundle.js`)).status).toBe(200);
  });
});

describe('health and metrics', () => {
  it('answers /healthz without a token and /readyz with one', async () => {
    expect((await call('GET', '/healthz', undefined, null)).body).toMatchObject({ status: 'ok' });
    expect((await call('GET', '/readyz')).body).toMatchObject({ ready: true, database: 'ok', scheduler: expect.stringMatching(/leader|standby/) });
  });

  it('serves Prometheus text that parses, with conventional names, to admins only', async () => {
    const text = (await call('GET', '/metrics')).body as unknown as string;
    const families = parsePrometheus(text);
    const names = families.map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining([
      'controlplane_calls_total', 'controlplane_call_duration_seconds', 'controlplane_mcp_sessions', 'controlplane_missions',
      'controlplane_checkout_conflicts_total', 'controlplane_spend_cents_total', 'controlplane_audit_appends_total',
      'controlplane_bridge_runs_total', 'controlplane_pulse_runs_total', 'controlplane_pulse_skips_total', 'controlplane_change_feed_lag_seconds',
    ]));
    for (const f of families.filter((x) => x.name.startsWith('controlplane_'))) {
      if (f.type === 'COUNTER') expect(f.name).toMatch(/_total$/);
      if (f.name.includes('duration') || f.name.includes('lag')) expect(f.name).toMatch(/_seconds$/);
    }
    const missions = families.find((f) => f.name === 'controlplane_missions')!.metrics as { labels: { status: string }; value: string }[];
    expect(missions.find((m) => m.labels.status === 'active')?.value).toBe('1');
    const operator = makeToken(db, 'operator', { realm: ids.realm });
    expect((await call('GET', '/metrics', undefined, operator)).status).toBe(403);
  });
});
