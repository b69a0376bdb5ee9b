// Issue 14: live notifications across instances on one PostgreSQL database (real processes). A subscriber on
// instance A is told of a change made on instance C, in both protocol eras (2025-11-25 resources/subscribe, with
// the 1.32 SDK's Client and the v2 Client; 2026-07-28 subscriptions/listen), over HTTP and over stdio. And a
// 2025-11-25 request carrying a session id made on another instance gets HTTP 404, so the client re-initialises
// (sessions of that era need sticky routing by mcp-session-id).
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as V1StdioTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport as V1HttpTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { callers, clientFor, watchers } from '../helpers/connect.js';
import { instanceArgs, startCluster, until, type Cluster, type Instance } from '../helpers/cluster.js';
import { api } from '../helpers/http.js';

let cluster: Cluster;
let realmId: string;
/** A and C over HTTP; S, a third instance over stdio (its own client is the 2026-07-28 subscriber). */
let a: Instance;
let c: Instance;
let s: Instance;

beforeAll(async () => {
  cluster = await startCluster(['http', 'http', 'stdio']);
  [a, c, s] = cluster.instances as [Instance, Instance, Instance];
  realmId = (await c.call('realm_create', { name: 'events', owner: 'o' })).id;
}, 120_000);
afterAll(async () => {
  await cluster?.close();
});

interface Subscriber {
  /** Subscribes to uri; resolves once the server has the subscription. */
  subscribe(uri: string): Promise<unknown>;
  updated: string[];
  close(): Promise<void>;
}

/** A v2 Client on A, in the given protocol era. */
async function v2Subscriber(era: 'legacy' | 'modern'): Promise<Subscriber> {
  const h = await a.connect(era);
  expect(h.client.getProtocolEra()).toBe(era);
  const updated: string[] = [];
  h.client.setNotificationHandler('notifications/resources/updated', (n) => void updated.push(n.params.uri));
  return { subscribe: h.subscribe, updated, close: h.close };
}

/** The subscribers, each on an instance other than C (where the change is made). */
const subscribers: Record<string, () => Promise<Subscriber>> = {
  'SDK 1.32 Client, 2025-11-25, over HTTP on A': async () => {
    const client = new V1Client({ name: 'sdk-1.32', version: '1' });
    await client.connect(new V1HttpTransport(new URL(`${a.url}/mcp`)));
    const updated: string[] = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updated.push(n.params.uri));
    return { subscribe: (uri) => client.subscribeResource({ uri }), updated, close: () => client.close() };
  },
  'v2 Client, 2025-11-25, over HTTP on A': () => v2Subscriber('legacy'),
  'v2 Client, 2026-07-28, over HTTP on A': () => v2Subscriber('modern'),
  'SDK 1.32 Client, 2025-11-25, over stdio (a fourth instance)': async () => {
    const client = new V1Client({ name: 'sdk-1.32', version: '1' });
    await client.connect(new V1StdioTransport({ command: process.execPath, args: instanceArgs(cluster.url), stderr: 'ignore', env: { ...process.env, CONTROL_PLANE_LOG_LEVEL: 'warn' } as Record<string, string> }));
    const updated: string[] = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updated.push(n.params.uri));
    return { subscribe: (uri) => client.subscribeResource({ uri }), updated, close: () => client.close() };
  },
  'v2 Client, 2026-07-28, over stdio on S': async () => {
    expect(s.client.getProtocolEra()).toBe('modern');
    const updated: string[] = [];
    s.client.setNotificationHandler('notifications/resources/updated', (n) => void updated.push(n.params.uri));
    return { subscribe: watchers(s.client, 'modern').subscribe, updated, close: async () => {} };
  },
};

describe('a subscriber on one instance, a change on another', () => {
  it.each(Object.keys(subscribers))('%s: notified of a mission created on C', async (name) => {
    const subscriber = await subscribers[name]!();
    try {
      const uri = `controlplane://realms/${realmId}/missions`;
      await subscriber.subscribe(uri);
      // Nothing happened yet: no update.
      await new Promise((r) => setTimeout(r, 300));
      expect(subscriber.updated).toEqual([]);
      await c.call('mission_create', { realmId, title: `for ${name}`, createdBy: 'o' });
      expect(await until(() => subscriber.updated.includes(uri), 15_000), `no update on ${name}`).toBe(true);
      // Only what it subscribed to: a change to another view of the realm is not sent.
      await c.call('directive_create', { realmId, title: `not watched (${name})`, level: 'realm' });
      await new Promise((r) => setTimeout(r, 1000));
      expect(subscriber.updated.every((u) => u === uri)).toBe(true);
    } finally {
      await subscriber.close();
    }
  }, 60_000);
});

describe('behind a load balancer', () => {
  it('a request with a session id made on another instance gets 404 (the client re-initialises); on its own instance it is served', async () => {
    const headers = { 'mcp-protocol-version': '2025-11-25', accept: 'application/json, text/event-stream' };
    const init = await api(a.url!, null, 'POST', '/mcp', {
      jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'balanced', version: '1' } },
    }, headers);
    expect(init.status).toBe(200);
    const sessionId = init.headers.get('mcp-session-id')!;
    expect(sessionId).toBeTruthy();
    const call = { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} };
    const elsewhere = await api(c.url!, null, 'POST', '/mcp', call, { ...headers, 'mcp-session-id': sessionId });
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body).toMatchObject({ jsonrpc: '2.0', error: { code: -32001, message: expect.stringMatching(/Session not found/) } });
    const home = await api(a.url!, null, 'POST', '/mcp', call, { ...headers, 'mcp-session-id': sessionId });
    expect(home.status).toBe(200);
  });

  it('2026-07-28 clients need no stickiness: one client behind a round-robin balancer over A and C is served throughout', async () => {
    // The balancer: each HTTP request of the client goes to the next instance, whatever it carries.
    const targets = [a.url!, c.url!];
    const served = [0, 0];
    let next = 0;
    const balancer: typeof fetch = (input, init) => {
      const i = next++ % targets.length;
      served[i]!++;
      const url = new URL(input instanceof Request ? input.url : String(input));
      const target = new URL(targets[i]!);
      url.host = target.host;
      return fetch(url, init);
    };
    const client = clientFor('modern', 'balanced');
    await client.connect(new StreamableHTTPClientTransport(new URL(`${a.url}/mcp`), { fetch: balancer }));
    const { call } = callers(client);
    const made: string[] = [];
    for (let k = 0; k < 10; k++) made.push((await call('mission_create', { realmId, title: `balanced ${k}`, createdBy: 'o' })).id);
    // Each call, wherever it lands, finds every mission made through the other instance.
    for (const id of made) expect(await call('mission_comment', { realmId, missionId: id, authorId: 'o', body: 'seen' })).toMatchObject({ missionId: id });
    const listed = await call('mission_list', { realmId, limit: 1000 });
    expect(listed.missions.filter((m: { title: string }) => m.title.startsWith('balanced ')).map((m: { id: string }) => m.id).sort()).toEqual([...made].sort());
    expect(served[0]).toBeGreaterThanOrEqual(10);
    expect(served[1]).toBeGreaterThanOrEqual(10);
    await client.close();
  });
});
