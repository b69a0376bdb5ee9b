// The dashboard's server side on a real --http process: the page and its bundle without a token, the event
// stream and the views behind the API's tokens, each principal hearing only its realm and what its role may
// read, and a change made through MCP reaching an open stream.
import { rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, httpClient, makeToken, startHttp } from '../helpers/http.js';
import { spawnSync } from 'node:child_process';
import { REAUTH_MS } from '../../src/transports/http/token-watch.js';
import { cliPath, spawnServer, tempDb } from '../helpers/processes.js';
import { openStream } from './sse.js';

const db = tempDb();
let server: Awaited<ReturnType<typeof startHttp>>;
let admin: string;
let operator: string;
let agent: string;
let realmId: string;
let otherRealm: string;

beforeAll(async () => {
  const setup = await spawnServer(db);
  realmId = (await setup.call('realm_create', { name: 'seen', owner: 'o' })).id;
  otherRealm = (await setup.call('realm_create', { name: 'unseen', owner: 'o' })).id;
  await setup.call('hierarchy_set', { realmId, agentId: 'agent-lead' });
  await setup.call('hierarchy_set', { realmId, agentId: 'agent-dev', reportsTo: 'agent-lead' });
  await setup.close();
  admin = makeToken(db, 'admin');
  operator = makeToken(db, 'operator', { realm: realmId });
  agent = makeToken(db, 'agent', { realm: realmId, agent: 'agent-dev' });
  server = await startHttp(db);
});
afterAll(() => server.stop());

const mission = async (realm: string, title: string) => (await api(server.url, admin, 'POST', '/api/missions', { realmId: realm, title, createdBy: 'human:o', status: 'queued' })).body;

describe('the page', () => {
  it('is served at / without a token, under a CSP that allows only this origin, with its hashed bundle', async () => {
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("base-uri 'none'; form-action 'self'");
    const html = await page.text();
    const script = /src="(\/assets\/app-[A-Z0-9]+\.js)"/.exec(html)?.[1];
    const style = /href="(\/assets\/app-[A-Z0-9]+\.css)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    expect(style).toBeDefined();
    const js = await fetch(`${server.url}${script}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect((await js.text()).length).toBeGreaterThan(10_000);
    expect((await fetch(`${server.url}${style}`)).status).toBe(200);
    // Nothing outside the bundle's folder is reachable through /assets/.
    expect((await fetch(`${server.url}/assets/..%2F..%2Fpackage.json`)).status).toBe(404);
    expect((await fetch(`${server.url}/assets/nothing.js`)).status).toBe(404);
  });

  it('serves only the files built before start-up: a folder or a later file is a 404, with no error logged', async () => {
    expect((await fetch(`${server.url}/assets/`)).status).toBe(404);
    const late = fileURLToPath(new URL(`../../dist/web/assets/late-${process.pid}.js`, import.meta.url));
    writeFileSync(late, '// written after start-up');
    try {
      expect((await fetch(`${server.url}/assets/late-${process.pid}.js`)).status).toBe(404);
    } finally {
      rmSync(late);
    }
    expect(server.stderr).not.toContain('HTTP request failed');
  });
});

describe('/api/events', () => {
  it('needs a token like the API', async () => {
    const stream = await openStream(server.url, null);
    expect(stream.response.status).toBe(401);
    expect(stream.response.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it("tells an operator of its realm's changes only, and refuses another realm", async () => {
    expect((await openStream(server.url, operator, `?realmId=${otherRealm}`)).response.status).toBe(403);
    const stream = await openStream(server.url, operator);
    expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(stream.response.headers.get('cache-control')).toContain('no-store');
    expect((await stream.waitFor((f) => f.event === 'ready')).data).toMatchObject({ realmId, role: 'operator' });
    const far = await mission(otherRealm, 'far away');
    const near = await mission(realmId, 'close by');
    await stream.waitFor((f) => f.data.payload?.missionId === near.id);
    expect(stream.changes().some((c) => c.realmId === otherRealm || c.payload.missionId === far.id)).toBe(false);
    // It may read the audit trail: it hears of new entries too.
    expect(stream.changes().some((c) => c.topic === 'audit.appended' && c.payload.entityId === near.id)).toBe(true);
    stream.close();
  });

  it('ends the stream of a token revoked after it opened, and keeps the others', async () => {
    const doomed = makeToken(db, 'agent', { realm: realmId, agent: 'agent-lead' });
    const revoked = await openStream(server.url, doomed);
    const kept = await openStream(server.url, operator);
    await Promise.all([revoked, kept].map((s) => s.waitFor((f) => f.event === 'ready')));
    expect(spawnSync(process.execPath, [cliPath, 'token', 'revoke', doomed.split('_')[1]!, '--db', db]).status).toBe(0);
    await revoked.waitEnd(REAUTH_MS + 3000);
    const after = await mission(realmId, 'after the revocation');
    await kept.waitFor((f) => f.data.payload?.missionId === after.id);
    expect(kept.ended).toBe(false);
    kept.close();
  }, 15_000);

  it('lets an admin follow one realm, or all', async () => {
    const one = await openStream(server.url, admin, `?realmId=${otherRealm}`);
    const all = await openStream(server.url, admin);
    await one.waitFor((f) => f.event === 'ready');
    await all.waitFor((f) => f.event === 'ready');
    const here = await mission(realmId, 'here');
    const there = await mission(otherRealm, 'there');
    await all.waitFor((f) => f.data.payload?.missionId === there.id);
    await all.waitFor((f) => f.data.payload?.missionId === here.id);
    await one.waitFor((f) => f.data.payload?.missionId === there.id);
    expect(one.changes().every((c) => c.realmId === otherRealm)).toBe(true);
    one.close();
    all.close();
  });

  it('tells an agent of missions but not of the audit trail it may not read; a checkout made through MCP arrives', async () => {
    const stream = await openStream(server.url, agent);
    await stream.waitFor((f) => f.event === 'ready');
    const work = await mission(realmId, 'for the agent');
    const mcp = await httpClient(server.url, agent);
    await mcp.call('mission_checkout', { id: work.id });
    await stream.waitFor((f) => f.data.payload?.missionId === work.id && f.data.payload?.event === 'checked_out');
    await mcp.close();
    expect(stream.changes().some((c) => c.topic === 'audit.appended')).toBe(false);
    stream.close();
  });

  it('tells of a checkout made by an agent in another process on the same database (the change feed)', async () => {
    const stream = await openStream(server.url, operator);
    await stream.waitFor((f) => f.event === 'ready');
    const work = await mission(realmId, 'taken elsewhere');
    const elsewhere = await spawnServer(db, ['--role', 'agent', '--realm', realmId, '--agent', 'agent-dev']);
    await elsewhere.call('mission_checkout', { id: work.id });
    const seen = await stream.waitFor((f) => f.data.payload?.missionId === work.id && f.data.payload?.event === 'checked_out');
    expect(seen.data.origin).toBe('remote');
    await elsewhere.close();
    stream.close();
  });
});

describe('run output', () => {
  it("streams a running run's output as it prints it, to principals that may read the run", async () => {
    const script = "(async () => { for (const i of [1, 2, 3]) { console.log('step ' + i); await new Promise((r) => setTimeout(r, 200)); } })()";
    const runtime = (await api(server.url, admin, 'POST', '/api/bridge/runtimes', { kind: 'process', name: 'printer', realmId, command: process.execPath, args: ['-e', script] })).body;
    const operatorStream = await openStream(server.url, operator);
    const agentStream = await openStream(server.url, agent);
    await operatorStream.waitFor((f) => f.event === 'ready');
    await agentStream.waitFor((f) => f.event === 'ready');
    const run = (await api(server.url, admin, 'POST', '/api/bridge/invoke', { runtimeId: runtime.id, agentId: 'agent-lead', context: {} })).body;
    const printed = () => operatorStream.changes().filter((c) => c.topic === 'bridge.run.output' && c.payload.runId === run.id).map((c) => c.payload.text).join('');
    await operatorStream.waitFor((f) => f.data.topic === 'bridge.run.output' && f.data.payload.text.includes('step 1'));
    expect(printed()).not.toContain('step 3');
    await operatorStream.waitFor((f) => f.data.topic === 'bridge.run.completed' && f.data.payload.runId === run.id, 5000);
    expect(printed()).toBe('step 1\nstep 2\nstep 3\n');
    expect(operatorStream.changes().find((c) => c.topic === 'bridge.run.output')!.payload).toMatchObject({ runId: run.id, agentId: 'agent-lead', stream: 'stdout' });
    // agent-dev may read its own runs only: agent-lead's output is not for it.
    expect(agentStream.changes().some((c) => c.topic.startsWith('bridge.run.'))).toBe(false);
    operatorStream.close();
    agentStream.close();
  });
});

describe('/api/dashboard/:realmId/:view', () => {
  it('serves the views a role may read and refuses the others with the API error', async () => {
    const board = await api(server.url, operator, 'GET', `/api/dashboard/${realmId}/missions`);
    expect(board.status).toBe(200);
    expect(board.headers.get('cache-control')).toBe('no-store');
    expect(Object.keys(board.body.board)).toEqual(['backlog', 'queued', 'active', 'review', 'blocked', 'complete', 'cancelled', 'failed']);
    const burn = await api(server.url, operator, 'GET', `/api/dashboard/${realmId}/burn`);
    expect(burn.status).toBe(200);
    expect(burn.body.days[0]).toEqual({ day: expect.stringMatching(/^\d{4}-\d{2}-01$/), cents: 0, cumulativeCents: 0 });
    const refused = await api(server.url, agent, 'GET', `/api/dashboard/${realmId}/burn`);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'forbidden', details: { permission: 'control_plane:spend:read' } });
    expect((await api(server.url, operator, 'GET', `/api/dashboard/${otherRealm}/missions`)).status).toBe(403);
    expect((await api(server.url, admin, 'GET', `/api/dashboard/${realmId}/nothing`)).status).toBe(404);
    // A malformed percent escape is the caller's mistake (400), not an internal error.
    const malformed = await api(server.url, admin, 'GET', '/api/dashboard/%E0%A4%A/missions');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatchObject({ code: 'invalid_input', details: { field: 'realmId' } });
    expect((await api(server.url, agent, 'GET', `/api/dashboard/${realmId}/runs`)).body).toEqual({ runs: [], recent: [] });
    // The operator sees the finished run of the stream test above among the recent ones, without its output.
    const runs = (await api(server.url, operator, 'GET', `/api/dashboard/${realmId}/runs`)).body;
    expect(runs.runs).toEqual([]);
    expect(runs.recent).toEqual([expect.objectContaining({ agentId: 'agent-lead', status: 'completed', finishedAt: expect.any(String) })]);
    expect(runs.recent[0]).not.toHaveProperty('output');
    expect((await api(server.url, operator, 'GET', `/api/dashboard/${realmId}/pulse-runs`)).body).toEqual({ runs: [] });
    expect((await api(server.url, agent, 'GET', `/api/dashboard/${realmId}/pulse-runs`)).body.error).toMatchObject({ code: 'forbidden', details: { permission: 'control_plane:pulses:read' } });
  });
});

describe('stopping', () => {
  it('an open stream does not hold up stopping, and ends when the server stops', async () => {
    const own = await startHttp(db);
    const stream = await openStream(own.url, admin);
    await stream.waitFor((f) => f.event === 'ready');
    const started = Date.now();
    await own.stop();
    await stream.waitEnd();
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
