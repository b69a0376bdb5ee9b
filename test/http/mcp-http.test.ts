// MCP over Streamable HTTP: a real --http server on loopback, the v2 Client in both eras.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogue } from '../../src/tools/catalogue.js';
import { toolName } from '../../src/tools/declaration.js';
import { api, httpClient, makeToken, startHttp } from '../helpers/http.js';
import { spawnSync } from 'node:child_process';
import { REAUTH_MS } from '../../src/transports/http/token-watch.js';
import { cliPath, spawnServer, tempDb } from '../helpers/processes.js';

const until = async (check: () => boolean, ms = 5000) => {
  const start = Date.now();
  while (!check() && Date.now() - start < ms) await new Promise((r) => setTimeout(r, 20));
  return check();
};

const db = tempDb();
let server: Awaited<ReturnType<typeof startHttp>>;
let admin: string;
let realmId: string;
let otherRealm: string;
beforeAll(async () => {
  const setup = await spawnServer(db);
  realmId = (await setup.call('realm_create', { name: 'http', owner: 'o' })).id;
  otherRealm = (await setup.call('realm_create', { name: 'other', owner: 'o' })).id;
  for (const r of [realmId, otherRealm]) {
    await setup.call('hierarchy_set', { realmId: r, agentId: 'agent-boss' });
    await setup.call('hierarchy_set', { realmId: r, agentId: 'agent-a', reportsTo: 'agent-boss' });
  }
  await setup.close();
  admin = makeToken(db, 'admin', { name: 'alice' });
  server = await startHttp(db, ['--session-idle', '2']);
});
afterAll(() => server.stop());

describe.each(['legacy', 'modern'] as const)('MCP over HTTP, %s era', (era) => {
  it('serves every tool, a coded error, resources, the prompt, and an update for another process\'s change', async () => {
    const c = await httpClient(server.url, admin, era);
    expect(c.client.getProtocolEra()).toBe(era);
    expect((await c.client.listTools()).tools.map((t) => t.name)).toEqual(catalogue.map((d) => toolName(d.id)));
    expect(await c.fail('realm_get', { id: 'realm-nope' })).toMatchObject({ code: 'not_found' });
    const tree = await c.client.readResource({ uri: `controlplane://realms/${realmId}/tree` });
    expect(JSON.parse((tree.contents[0] as { text: string }).text).roots[0].agentId).toBe('agent-boss');
    const prompt = await c.client.getPrompt({ name: 'agent_briefing', arguments: { realmId, agentId: 'agent-a' } });
    expect((prompt.messages[0]!.content as { text: string }).text).toContain('agent-a → agent-boss');
    const seen: string[] = [];
    c.client.setNotificationHandler('notifications/resources/updated', (n) => void seen.push(n.params.uri));
    const uri = `controlplane://realms/${realmId}/missions`;
    await c.subscribe(uri);
    const elsewhere = await spawnServer(db);
    await elsewhere.call('mission_create', { realmId, title: `from stdio (${era})`, createdBy: 'o' });
    await elsewhere.close();
    expect(await until(() => seen.includes(uri))).toBe(true);
    // The change was recorded as the token's person when made over HTTP.
    await c.call('mission_create', { realmId, title: 'over http', createdBy: 'human:alice' });
    await c.close();
  });

  it('ends the update stream of a token revoked after it opened (a new request is refused anyway)', async () => {
    const token = makeToken(db, 'agent', { realm: realmId, agent: 'agent-a' });
    const c = await httpClient(server.url, token, era);
    c.client.onerror = () => {}; // its stream is cut, and coming back is refused: expected here
    const seen: string[] = [];
    c.client.setNotificationHandler('notifications/resources/updated', (n) => void seen.push(n.params.uri));
    const uri = `controlplane://realms/${realmId}/missions`;
    await c.subscribe(uri);
    const maker = await spawnServer(db);
    try {
      await maker.call('mission_create', { realmId, title: `heard (${era})`, createdBy: 'o' });
      expect(await until(() => seen.includes(uri))).toBe(true);
      expect(spawnSync(process.execPath, [cliPath, 'token', 'revoke', token.split('_')[1]!, '--db', db]).status).toBe(0);
      await new Promise((r) => setTimeout(r, REAUTH_MS + 1500));
      const heard = seen.length;
      await maker.call('mission_create', { realmId, title: `not heard (${era})`, createdBy: 'o' });
      await new Promise((r) => setTimeout(r, 2000));
      expect(seen).toHaveLength(heard);
    } finally {
      await maker.close();
      await c.close().catch(() => {});
    }
  }, 30_000);

  it('sends each session only the updates it asked for', async () => {
    const [a, b] = [await httpClient(server.url, admin, era), await httpClient(server.url, admin, era)];
    const seen = { a: [] as string[], b: [] as string[] };
    a.client.setNotificationHandler('notifications/resources/updated', (n) => void seen.a.push(n.params.uri));
    b.client.setNotificationHandler('notifications/resources/updated', (n) => void seen.b.push(n.params.uri));
    await new Promise((r) => setTimeout(r, 300));
    await a.subscribe(`controlplane://realms/${realmId}/directives`);
    await b.subscribe(`controlplane://realms/${otherRealm}/directives`);
    await a.call('directive_create', { realmId, title: 'only for a', level: 'realm' });
    expect(await until(() => seen.a.length > 0)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(seen.a).toEqual([`controlplane://realms/${realmId}/directives`]);
    expect(seen.b).toEqual([]);
    await a.close();
    await b.close();
  });

  it("tells a realm's operator nothing of other realms: no list change for their birth or death, no realms-list update for their work", async () => {
    const operator = await httpClient(server.url, makeToken(db, 'operator', { realm: realmId }), era);
    const watcher = await httpClient(server.url, admin, era);
    const heard = { operator: [] as string[], admin: [] as string[] };
    for (const [who, c] of [['operator', operator], ['admin', watcher]] as const) {
      c.client.setNotificationHandler('notifications/resources/list_changed', () => void heard[who].push('list_changed'));
      c.client.setNotificationHandler('notifications/resources/updated', (n) => void heard[who].push(n.params.uri));
    }
    if (era === 'legacy') {
      // A 2025 session may subscribe to the realms list, and hears of its own realm's changes only.
      await operator.subscribe('controlplane://realms');
    } else {
      expect((await operator.client.listen({ resourceSubscriptions: ['controlplane://realms'] }).catch((e: Error) => e)) instanceof Error).toBe(true);
      await operator.client.listen({ resourcesListChanged: true, resourceSubscriptions: [`controlplane://realms/${realmId}`] });
      await watcher.client.listen({ resourcesListChanged: true });
    }
    await new Promise((r) => setTimeout(r, 300));
    const born = await watcher.call('realm_create', { name: `elsewhere ${era}`, owner: 'o' });
    await watcher.call('hierarchy_set', { realmId: born.id, agentId: 'agent-x' });
    await watcher.call('realm_delete', { id: born.id, confirm: `elsewhere ${era}` });
    if (era === 'modern') expect(await until(() => heard.admin.includes('list_changed'))).toBe(true);
    await new Promise((r) => setTimeout(r, 600));
    expect(heard.operator).toEqual([]);
    // Its own realm's work still reaches it.
    await operator.call('hierarchy_set', { realmId, agentId: `agent-heard-${era}` });
    expect(await until(() => heard.operator.length > 0)).toBe(true);
    expect(heard.operator).not.toContain('list_changed');
    await operator.close();
    await watcher.close();
  });

  it('holds 50 concurrent sessions', async () => {
    const clients = await Promise.all(Array.from({ length: 50 }, () => httpClient(server.url, admin, era)));
    const results = await Promise.all(clients.map((c, i) => c.call('mission_create', { realmId, title: `concurrent ${era} ${i}`, createdBy: 'o' })));
    expect(new Set(results.map((m) => m.id)).size).toBe(50);
    if (era === 'legacy') expect(new Set(clients.map((c) => c.transport.sessionId)).size).toBe(50);
    else expect(clients.every((c) => c.transport.sessionId === undefined)).toBe(true);
    await Promise.all(clients.map((c) => c.close()));
  });
});

describe('a revoked token', () => {
  it('still gets the answer of a REST call it made before (only open event streams are cut)', async () => {
    const runtime = (await api(server.url, admin, 'POST', '/api/bridge/runtimes', { kind: 'process', name: 'slow', command: process.execPath, args: ['-e', 'setTimeout(() => console.log("done"), 6500)'], realmId })).body;
    const token = makeToken(db, 'operator', { realm: realmId });
    const answer = api(server.url, token, 'POST', '/api/bridge/invoke', { realmId, runtimeId: runtime.id, agentId: 'agent-a', context: {}, wait: true });
    await new Promise((r) => setTimeout(r, 1000));
    expect(spawnSync(process.execPath, [cliPath, 'token', 'revoke', token.split('_')[1]!, '--db', db]).status).toBe(0);
    const { status, body } = await answer;
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'completed', exitCode: 0 });
    expect((await api(server.url, token, 'GET', `/api/bridge/runs/${body.id}`)).status).toBe(401);
  }, 20_000);

  it.each(['legacy', 'modern'] as const)('still gets the answer of an MCP call it made before (%s era)', async (era) => {
    const runtime = (await api(server.url, admin, 'POST', '/api/bridge/runtimes', { kind: 'process', name: `slow ${era}`, command: process.execPath, args: ['-e', 'setTimeout(() => console.log("done"), 6500)'], realmId })).body;
    const token = makeToken(db, 'operator', { realm: realmId });
    const c = await httpClient(server.url, token, era);
    c.client.onerror = () => {};
    try {
      const answer = c.call('bridge_invoke', { runtimeId: runtime.id, agentId: 'agent-a', context: {}, wait: true });
      await new Promise((r) => setTimeout(r, 1000));
      expect(spawnSync(process.execPath, [cliPath, 'token', 'revoke', token.split('_')[1]!, '--db', db]).status).toBe(0);
      expect(await answer).toMatchObject({ status: 'completed', exitCode: 0 });
    } finally {
      await c.close().catch(() => {});
    }
  }, 20_000);
});

describe('2025-11-25 sessions', () => {
  it('are evicted when idle (no request and no open stream), and then answer 404', async () => {
    // A client that went away without DELETE: it initialized, made a call, and left no stream open.
    const headers = { 'mcp-protocol-version': '2025-11-25', accept: 'application/json, text/event-stream' };
    const init = await api(server.url, admin, 'POST', '/mcp', {
      jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'gone', version: '1' } },
    }, headers);
    const sessionId = init.headers.get('mcp-session-id')!;
    expect(sessionId).toBeTruthy();
    const call = { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} };
    expect((await api(server.url, admin, 'POST', '/mcp', call, { ...headers, 'mcp-session-id': sessionId })).status).toBe(200);
    // A client listening on its stream is in use however long it stays quiet.
    const listener = await httpClient(server.url, admin, 'legacy');
    const listening = listener.transport.sessionId;
    await new Promise((r) => setTimeout(r, 4500));
    const stale = await api(server.url, admin, 'POST', '/mcp', call, { ...headers, 'mcp-session-id': sessionId });
    expect(stale.status).toBe(404);
    expect(stale.body.error.message).toMatch(/Session not found/);
    expect((await listener.client.listTools()).tools.length).toBeGreaterThan(0);
    expect(listener.transport.sessionId).toBe(listening);
    await listener.close();
  });

  it('answer only the token that opened them', async () => {
    const c = await httpClient(server.url, admin, 'legacy');
    const other = makeToken(db, 'admin', { name: 'mallory' });
    const hijack = await api(server.url, other, 'POST', '/mcp', { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }, {
      'mcp-session-id': c.transport.sessionId!, 'mcp-protocol-version': '2025-11-25', accept: 'application/json, text/event-stream',
    });
    expect(hijack.status).toBe(404);
    await c.close();
  });
});

const post = (body: string, headers: Record<string, string> = {}) =>
  fetch(`${server.url}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body });

describe('the /mcp endpoint', () => {
  it('refuses foreign Host and Origin headers (DNS rebinding) with 403', async () => {
    const { request } = await import('node:http');
    const status = (headers: Record<string, string>) =>
      new Promise<number>((resolve) => {
        const req = request(`${server.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}`, ...headers } }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        });
        req.end('{}');
      });
    expect(await status({ host: 'evil.example:3111' })).toBe(403);
    expect(await status({ origin: 'http://evil.example' })).toBe(403);
    expect((await post('{}', { origin: 'http://localhost:5173' })).status).not.toBe(403);
  });

  it('answers a wrong content type 415, a huge body 413, and invalid JSON 400 with -32700', async () => {
    expect((await post('{}', { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post(`{"x":"${'a'.repeat(17 * 1024 * 1024)}"}`)).status).toBe(413);
    const bad = await post('{not json');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error.code).toBe(-32700);
  });
});

describe('tokens over MCP', () => {
  it('give an agent its tools only, in its realm, as itself', async () => {
    const agent = await httpClient(server.url, makeToken(db, 'agent', { realm: realmId, agent: 'agent-a' }), 'modern');
    const names = (await agent.client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('mission_checkout');
    expect(names).not.toContain('realm_delete');
    expect(await agent.fail('mission_list', { realmId: otherRealm })).toMatchObject({ code: 'forbidden', details: { reason: 'other_realm' } });
    expect(await agent.fail('ledger_spend', { realmId, agentId: 'agent-boss', costCents: 1, provider: 'p', model: 'm', inputTokens: 0, outputTokens: 0 })).toMatchObject({ code: 'forbidden', details: { field: 'agentId' } });
    expect(await agent.fail('hierarchy_set', { realmId, agentId: 'agent-x' })).toMatchObject({ code: 'forbidden', details: { permission: 'control_plane:agents:write' } });
    await expect(agent.client.listen({ resourceSubscriptions: [`controlplane://realms/${otherRealm}/missions`] })).rejects.toMatchObject({ code: -32602 });
    const own = await agent.call('mission_comment', { missionId: (await agent.call('mission_list', {})).missions[0].id, body: 'via http' });
    expect(own.authorId).toBe('agent-a');
    await agent.close();
  });

  it('refuse missing, malformed, unknown, revoked and expired tokens with 401 and a challenge', async () => {
    // A 2026-07-28 request on its own: the auth answer comes before anything else.
    const call = (token: string | null) =>
      fetch(`${server.url}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'server/discover', params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 't', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} } } }),
      });
    const missing = await call(null);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="control-plane"');
    const malformed = await call('not-a-token');
    expect(malformed.status).toBe(401);
    expect(malformed.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    expect((await call(`cpt_${'0'.repeat(16)}_${'a'.repeat(43)}`)).status).toBe(401);
    const revoked = makeToken(db, 'admin');
    const id = revoked.split('_')[1]!;
    expect(spawnSync(process.execPath, [cliPath, 'token', 'revoke', id, '--db', db]).status).toBe(0);
    const afterRevoke = await call(revoked);
    expect(afterRevoke.status).toBe(401);
    expect(((await afterRevoke.json()) as any).error).toMatchObject({ code: 'unauthorized', details: { reason: 'revoked' } });
    const shortLived = makeToken(db, 'admin', { expires: '1s' });
    expect((await call(shortLived)).status).not.toBe(401);
    await new Promise((r) => setTimeout(r, 1200));
    expect(((await (await call(shortLived)).json()) as any).error.details.reason).toBe('expired');
  });
});
