// Every kind of client this server meets, over real stdio: the 1.32 SDK Client (2025-11-25, as Claude
// Desktop-era hosts speak), the v2 Client in its default legacy mode (2025-11-25), and the v2 Client on
// 2026-07-28. Each gets the tools, a coded error, the resources, an update for a change made by another
// process, a budget alert as a log message, and the briefing prompt with completion.
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as V1StdioTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { LoggingMessageNotificationSchema, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogue } from '../../src/tools/catalogue.js';
import { toolName } from '../../src/tools/declaration.js';
import { callers } from '../helpers/connect.js';
import { cliPath, spawnServer, tempDb } from '../helpers/processes.js';

type Notification = { method: string; params: any };

/** The same few operations, whatever the client. */
interface AnyClient {
  call: ReturnType<typeof callers>['call'];
  fail: ReturnType<typeof callers>['fail'];
  raw: {
    listTools(): Promise<{ tools: { name: string }[] }>;
    listResources(): Promise<{ resources: { uri: string }[] }>;
    listResourceTemplates(): Promise<{ resourceTemplates: { uriTemplate: string }[] }>;
    readResource(p: { uri: string }): Promise<{ contents: unknown[] }>;
    listPrompts(): Promise<{ prompts: { name: string }[] }>;
    getPrompt(p: { name: string; arguments: Record<string, string> }): Promise<{ messages: { content: unknown }[] }>;
    complete(p: unknown): Promise<{ completion: { values: string[] } }>;
  };
  subscribe(uri: string): Promise<unknown>;
  notifications: Notification[];
  close(): Promise<void>;
}

async function v1Client(db: string): Promise<AnyClient> {
  const client = new V1Client({ name: 'sdk-1.32', version: '1' });
  await client.connect(new V1StdioTransport({ command: process.execPath, args: [cliPath, '--db', db], stderr: 'pipe' }));
  const notifications: Notification[] = [];
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void notifications.push(n));
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void notifications.push(n));
  return {
    ...callers(client as never),
    raw: client as never,
    subscribe: (uri) => client.subscribeResource({ uri }),
    notifications,
    close: () => client.close(),
  };
}

async function v2Client(db: string, era: 'legacy' | 'modern'): Promise<AnyClient> {
  const s = await spawnServer(db, [], { era });
  const notifications: Notification[] = [];
  s.client.setNotificationHandler('notifications/resources/updated', (n) => void notifications.push(n as Notification));
  s.client.setNotificationHandler('notifications/message', (n) => void notifications.push(n as Notification));
  return { call: s.call, fail: s.fail, raw: s.client as never, subscribe: s.subscribe, notifications, close: s.close };
}

const clients = {
  'SDK 1.32 Client (2025-11-25)': (db: string) => v1Client(db),
  'v2 Client, legacy (2025-11-25)': (db: string) => v2Client(db, 'legacy'),
  'v2 Client, 2026-07-28': (db: string) => v2Client(db, 'modern'),
};

const until = async (check: () => boolean, ms = 5000) => {
  const start = Date.now();
  while (!check() && Date.now() - start < ms) await new Promise((r) => setTimeout(r, 20));
  return check();
};

describe.each(Object.entries(clients))('%s over stdio', (_, open) => {
  const db = tempDb();
  let c: AnyClient;
  let other: Awaited<ReturnType<typeof spawnServer>>;
  let realmId: string;
  beforeAll(async () => {
    other = await spawnServer(db);
    realmId = (await other.call('realm_create', { name: 'eras', owner: 'o' })).id;
    await other.call('hierarchy_set', { realmId, agentId: 'agent-boss' });
    await other.call('hierarchy_set', { realmId, agentId: 'agent-a', reportsTo: 'agent-boss' });
    c = await open(db);
  });
  afterAll(async () => {
    await c.close();
    await other.close();
  });

  it('lists every tool in catalogue order, calls one, and gets a coded error', async () => {
    expect((await c.raw.listTools()).tools.map((t) => t.name)).toEqual(catalogue.map((d) => toolName(d.id)));
    expect((await c.call('hierarchy_chain', { realmId, agentId: 'agent-a' })).chain.map((n: { agentId: string }) => n.agentId)).toEqual(['agent-a', 'agent-boss']);
    expect(await c.fail('realm_get', { id: 'realm-nope' })).toMatchObject({ code: 'not_found', details: { entity: 'realm', id: 'realm-nope' } });
    expect(await c.fail('realm_create', { name: 'x' })).toMatchObject({ code: 'invalid_input', details: { field: 'owner' } });
  });

  it('lists and reads the resources', async () => {
    expect((await c.raw.listResources()).resources.map((r) => r.uri)).toEqual(['controlplane://realms', 'ui://control-plane/org-chart.html', 'ui://control-plane/board.html', `controlplane://realms/${realmId}`]);
    expect((await c.raw.listResourceTemplates()).resourceTemplates).toHaveLength(7);
    const [tree] = (await c.raw.readResource({ uri: `controlplane://realms/${realmId}/tree` })).contents as { text: string }[];
    expect(JSON.parse(tree!.text).roots[0].agentId).toBe('agent-boss');
  });

  it('gets an update for a change another process makes, and a budget alert as a log message', async () => {
    await c.subscribe(`controlplane://realms/${realmId}/missions`);
    await other.call('mission_create', { realmId, title: 'from the other process', createdBy: 'agent-boss' });
    expect(await until(() => c.notifications.some((n) => n.params.uri === `controlplane://realms/${realmId}/missions`))).toBe(true);
    await c.call('ledger_set_budget', { realmId, agentId: 'agent-a', monthlyCents: 10 });
    await c.call('ledger_spend', { realmId, agentId: 'agent-a', costCents: 10, provider: 'p', model: 'm', inputTokens: 1, outputTokens: 1 });
    expect(await until(() => c.notifications.some((n) => n.method === 'notifications/message' && n.params.level === 'error'))).toBe(true);
    expect(c.notifications.find((n) => n.method === 'notifications/message')!.params).toMatchObject({ logger: 'ledger', data: { realmId, agentId: 'agent-a' } });
  });

  it('serves the briefing prompt and completes its arguments', async () => {
    expect((await c.raw.listPrompts()).prompts.map((p) => p.name)).toEqual(['agent_briefing']);
    const prompt = await c.raw.getPrompt({ name: 'agent_briefing', arguments: { realmId, agentId: 'agent-a' } });
    expect((prompt.messages[0]!.content as { text: string }).text).toContain('Chain of command: agent-a → agent-boss.');
    const done = await c.raw.complete({ ref: { type: 'ref/prompt', name: 'agent_briefing' }, argument: { name: 'agentId', value: 'agent-' }, context: { arguments: { realmId } } });
    expect(done.completion.values.sort()).toEqual(['agent-a', 'agent-boss']);
  });
});
