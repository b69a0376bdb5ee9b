import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import type { Era } from '../../src/server.js';
import { testApp, connect } from '../helpers/connect.js';
import { testStore } from '../helpers/engine.js';
import { newRealm, seedOrg } from '../helpers/org.js';
import { tempDb } from '../helpers/processes.js';

type Session = Awaited<ReturnType<typeof connect>>;
const silent = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Polls until `check` holds (positive expectations never rely on a fixed sleep). */
const eventually = async (check: () => boolean, ms = 5000) => {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) break;
    await sleep(10);
  }
};
const readJson = async (s: Session, uri: string) => JSON.parse(((await s.client.readResource({ uri })).contents[0] as { text: string }).text);

/** Collects resources/updated notifications a session receives. */
function updates(s: Session) {
  const seen: string[] = [];
  s.client.setNotificationHandler('notifications/resources/updated', (n) => void seen.push(n.params.uri));
  return seen;
}

let app: App;
let a: Session;
let b: Session;
let realmId: string;
const start = async (era: Era) => {
  app = await testApp({ db: ':memory:', logger: silent });
  [a, b] = [await connect({ app, era }), await connect({ app, era })];
  realmId = (await newRealm(a)).id;
  await seedOrg(a, realmId);
};
afterEach(async () => {
  await a.close();
  await b.close();
  await app.close();
});

describe('reading resources', () => {
  beforeEach(() => start('modern'));
  it('lists the templates and each realm', async () => {
    const { resourceTemplates } = await a.client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate).sort()).toEqual(
      ['', '/audit', '/budget', '/directives', '/missions', '/pulse', '/tree'].map((v) => `controlplane://realms/{realmId}${v}`).sort(),
    );
    const { resources } = await a.client.listResources();
    // (the ui:// ones are the MCP Apps views, test/dashboard/mcp-apps.test.ts)
    expect(resources.map((r) => r.uri)).toEqual(['controlplane://realms', 'ui://control-plane/org-chart.html', 'ui://control-plane/board.html', `controlplane://realms/${realmId}`]);
  });

  it('serves each view as JSON, the same shape as the tools', async () => {
    expect(await readJson(a, `controlplane://realms/${realmId}/tree`)).toEqual(await a.call('hierarchy_tree', { realmId }));
    const all = await readJson(a, 'controlplane://realms');
    expect(all.realms[0]).toMatchObject({ id: realmId, counts: { agents: 7, missions: 0, pendingProposals: 0 } });
    const m = await a.call('mission_create', { realmId, title: 'm', createdBy: 'agent-cto', status: 'queued' });
    await a.call('ledger_set_budget', { realmId, monthlyCents: 1000 });
    await a.call('ledger_spend', { realmId, agentId: 'agent-dev-1', costCents: 12.5, provider: 'p', model: 'x', inputTokens: 1, outputTokens: 1 });
    const summary = await readJson(a, `controlplane://realms/${realmId}`);
    expect(summary).toMatchObject({ realm: { id: realmId }, summary: { agents: { active: 7 }, missions: { queued: 1 }, budgets: 1, spentThisPeriodCents: 12.5 } });
    const board = await readJson(a, `controlplane://realms/${realmId}/missions`);
    expect(board.board.queued.map((x: { id: string }) => x.id)).toEqual([m.id]);
    expect(board.counts).toMatchObject({ queued: 1, active: 0 });
    const budget = await readJson(a, `controlplane://realms/${realmId}/budget`);
    expect(budget.budgets[0].check).toMatchObject({ spentCents: 12.5, limitCents: 1000 });
    expect(budget.summary).toMatchObject({ totalCents: 12.5, groupBy: 'agent' });
    const audit = await readJson(a, `controlplane://realms/${realmId}/audit`);
    expect(audit.entries).toHaveLength(11);
    expect(audit.verify).toMatchObject({ valid: true, entryCount: 11 });
    const goal = await a.call('directive_create', { realmId, title: 'g', level: 'realm' });
    await a.call('directive_create', { realmId, title: 'child', level: 'team', parentId: goal.id });
    const tree = await readJson(a, `controlplane://realms/${realmId}/directives`);
    expect(tree.roots[0]).toMatchObject({ id: goal.id, children: [{ title: 'child', children: [] }] });
  });

  it('completes realm ids and refuses unknown resources with -32602', async () => {
    const done = await a.client.complete({ ref: { type: 'ref/resource', uri: 'controlplane://realms/{realmId}/tree' }, argument: { name: 'realmId', value: 'realm-' } });
    expect(done.completion.values).toEqual([realmId]);
    await expect(a.client.readResource({ uri: 'controlplane://realms/realm-nope/tree' })).rejects.toMatchObject({ code: -32602 });
    await expect(a.client.readResource({ uri: 'controlplane://elsewhere' })).rejects.toMatchObject({ code: -32602 });
  });
});

describe('a resync of the store (its feed of other instances reconnected)', () => {
  beforeEach(() => start('legacy'));

  it('refreshes every view the session subscribes to, and nothing else', async () => {
    await sleep(300);
    const seen = updates(a);
    await a.subscribe(`controlplane://realms/${realmId}/tree`);
    await a.subscribe(`controlplane://realms/${realmId}/missions`);
    // As src/app-core.ts publishes it: with every realm's id (a real reconnect: test/db/pg-resync.test.ts).
    await app.bus.publish({ topic: 'store.resync', realmId: null, payload: { reason: 'reconnected', realmIds: [realmId] }, origin: 'remote' });
    await eventually(() => seen.length >= 2);
    await sleep(50);
    expect(seen.sort()).toEqual([`controlplane://realms/${realmId}/missions`, `controlplane://realms/${realmId}/tree`]);
  });
});

describe.each(['legacy', 'modern'] as const)('subscriptions (%s era)', (era) => {
  beforeEach(() => start(era));

  it('notify the subscribed session only, after the commit', async () => {
    // Let the set-up's own notifications go out first: a 2026 listen stream would get those still pending.
    await sleep(300);
    const seenA = updates(a);
    const seenB = updates(b);
    const stop = await a.subscribe(`controlplane://realms/${realmId}/tree`);
    await b.subscribe(`controlplane://realms/${realmId}/missions`);
    await b.call('hierarchy_set', { realmId, agentId: 'agent-new', reportsTo: 'agent-ceo' });
    await eventually(() => seenA.length > 0);
    await sleep(50);
    expect(seenA).toEqual([`controlplane://realms/${realmId}/tree`]);
    expect(seenB).toEqual([]);
    // After unsubscribing, nothing more.
    await stop();
    await b.call('hierarchy_set', { realmId, agentId: 'agent-newer' });
    await sleep(50);
    expect(seenA).toHaveLength(1);
  });

  it('coalesce to at most one notification per URI per 250 ms, always ending with one after the last change', async () => {
    const at: number[] = [];
    const uri = `controlplane://realms/${realmId}/audit`;
    a.client.setNotificationHandler('notifications/resources/updated', (n) => void (n.params.uri === uri && at.push(Date.now())));
    await a.subscribe(uri);
    const began = Date.now();
    let lastChange = began;
    for (let i = 0; i < 40; i++) {
      // The last change commits after this moment; its notification may arrive before the call's answer.
      lastChange = Date.now();
      await b.call('council_activity', { realmId, actorKind: 'agent', actorId: 'x', action: 'tick', entityType: 't', entityId: `${i}` });
      if (i % 10 === 9 && i < 39) await sleep(60);
    }
    await eventually(() => at.length > 0 && at.at(-1)! >= lastChange, 3000);
    await sleep(300);
    // Forty changes, a handful of notifications, never two within 250 ms, and one after the last change.
    expect(at.length).toBeGreaterThanOrEqual(1);
    expect(at.length).toBeLessThanOrEqual(Math.ceil((lastChange - began) / 250) + 1);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(245);
    expect(at.at(-1)!).toBeGreaterThanOrEqual(lastChange);
  });

  it('send list_changed when a realm comes or goes', async () => {
    let changed = 0;
    a.client.setNotificationHandler('notifications/resources/list_changed', () => void changed++);
    // 2026-07-28 sends list changes only to a client that listens for them.
    if (era === 'modern') await a.client.listen({ resourcesListChanged: true });
    const other = await newRealm(b, { name: 'other' });
    await eventually(() => changed === 1);
    expect(changed).toBe(1);
    await b.call('realm_delete', { id: other.id, confirm: 'other' });
    await eventually(() => changed === 2);
    expect(changed).toBe(2);
  });

  it('send budget alerts as log messages, at the level the client asked for', async () => {
    const messages: { level: string; data: unknown }[] = [];
    a.client.setNotificationHandler('notifications/message', (n) => void messages.push(n.params));
    // 2025-11-25 clients choose a level; 2026-07-28 has no logging/setLevel, and every alert is sent.
    if (era === 'legacy') await a.client.setLoggingLevel('error');
    await b.call('ledger_set_budget', { realmId, agentId: 'agent-dev-1', monthlyCents: 10 });
    const spend = (costCents: number) => b.call('ledger_spend', { realmId, agentId: 'agent-dev-1', costCents, provider: 'p', model: 'm', inputTokens: 0, outputTokens: 0 });
    await spend(9); // soft threshold: a warning, below the level a legacy client asked for
    if (era === 'legacy') {
      await sleep(20);
      expect(messages).toEqual([]);
    } else {
      await eventually(() => messages.length > 0);
      expect(messages.shift()).toMatchObject({ level: 'warning', data: { level: 'soft_threshold', agentId: 'agent-dev-1', realmId } });
    }
    await spend(1); // the hard limit: an error
    await eventually(() => messages.length > 0);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ level: 'error', data: { level: 'hard_limit_reached', agentId: 'agent-dev-1', realmId } });
  });

  it('survive a session that closed before its notification went out', async () => {
    const uri = `controlplane://realms/${realmId}/tree`;
    await a.subscribe(uri);
    await b.call('hierarchy_set', { realmId, agentId: 'agent-x' });
    await a.client.close(); // the notification is still scheduled
    await sleep(300);
    await b.call('hierarchy_set', { realmId, agentId: 'agent-y' });
    expect((await b.call('hierarchy_find', { realmId, capability: 'finance' })).count).toBe(1);
  });
});

describe.each(['legacy', 'modern'] as const)('a change made by another process (%s era)', (era) => {
  it('reaches a session subscribed in this one', async () => {
    const [db, openStore] = [tempDb(), await testStore()];
    const mine = createApp({ db, openStore, logger: silent, pollMs: 25 });
    const theirs = createApp({ db, openStore, logger: silent, pollMs: 25 });
    const here = await connect({ app: mine, era });
    const there = await connect({ app: theirs, era });
    const r = await there.call('realm_create', { name: 'shared', owner: 'o' });
    await sleep(100);
    const seen = updates(here);
    await here.subscribe(`controlplane://realms/${r.id}/missions`);
    await there.call('mission_create', { realmId: r.id, title: 'from elsewhere', createdBy: 'o' });
    const start = Date.now();
    while (!seen.length && Date.now() - start < 2000) await sleep(20);
    expect(seen).toEqual([`controlplane://realms/${r.id}/missions`]);
    expect((await readJson(here, `controlplane://realms/${r.id}/missions`)).counts.backlog).toBe(1);
    await here.close();
    await there.close();
    await mine.close();
    await theirs.close();
  });
});

describe('the agent_briefing prompt', () => {
  beforeEach(() => start('modern'));
  it('briefs an agent with its chain, missions, takeable work, directives and budget', async () => {
    const goal = await a.call('directive_create', { realmId, title: 'Ship v2', level: 'realm' });
    await a.call('directive_create', { realmId, title: 'Finance only', level: 'team', ownerAgentId: 'agent-cfo' });
    const mine = await a.call('mission_create', { realmId, title: 'Mine', createdBy: 'agent-cto', status: 'queued' });
    await a.call('mission_checkout', { realmId, id: mine.id, agentId: 'agent-dev-1' });
    await a.call('mission_create', { realmId, title: 'Takeable', createdBy: 'agent-cto', status: 'queued', requiredCapabilities: ['rust'] });
    await a.call('mission_create', { realmId, title: 'Not for me', createdBy: 'agent-cto', status: 'queued', requiredCapabilities: ['finance'] });
    const { prompts } = await a.client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(['agent_briefing']);
    const prompt = await a.client.getPrompt({ name: 'agent_briefing', arguments: { realmId, agentId: 'agent-dev-1' } });
    const text = (prompt.messages[0]!.content as { text: string }).text;
    expect(text).toContain('Chain of command: agent-dev-1 (Senior Engineer) → agent-cto (CTO) → agent-ceo (CEO).');
    expect(text).toMatch(/Your active missions:\n- Mine/);
    expect(text).toMatch(/could take \(mission_checkout\):\n- Takeable/);
    expect(text).not.toContain('Not for me');
    expect(text).toContain(goal.id);
    expect(text).not.toContain('Finance only');
    expect(text).toContain('no budget set');
    const context = JSON.parse(text.slice(text.indexOf('{')));
    expect(context).toMatchObject({ mode: 'full', agentId: 'agent-dev-1', budget: { scope: 'none', allowed: true } });
    await expect(a.client.getPrompt({ name: 'agent_briefing', arguments: { realmId, agentId: 'agent-ghost' } })).rejects.toMatchObject({ code: -32602 });
    const done = await a.client.complete({ ref: { type: 'ref/prompt', name: 'agent_briefing' }, argument: { name: 'agentId', value: 'agent-dev' }, context: { arguments: { realmId } } });
    expect(done.completion.values.sort()).toEqual(['agent-dev-1', 'agent-dev-2', 'agent-dev-3']);
  });
});
