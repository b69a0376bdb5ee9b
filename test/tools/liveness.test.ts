// hierarchy_heartbeat and liveness, through a real session on a real database, with a clock the test moves.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BusMessage } from '../../src/events/bus.js';
import { agentPrincipal, operatorPrincipal } from '../../src/domain/principal.js';
import { fakeClock } from '../helpers/clock.js';
import { connect } from '../helpers/connect.js';
import { newRealm, seedOrg } from '../helpers/org.js';

const START = '2026-11-20T10:00:00.000Z';
const DEV = 'agent-dev-1';

let clock: ReturnType<typeof fakeClock>;
let s: Awaited<ReturnType<typeof connect>>;
let realmId: string;
let announced: BusMessage[];
let stopListening: () => void;

beforeEach(async () => {
  clock = fakeClock(START);
  s = await connect({ clock });
  realmId = (await newRealm(s)).id;
  await seedOrg(s, realmId);
  announced = [];
  stopListening = s.app.bus.subscribe('hierarchy.liveness', (m) => void announced.push(m));
});
afterEach(async () => {
  stopListening();
  await s.close();
});

const beat = (args: Record<string, unknown> = {}) => s.call('hierarchy_heartbeat', { realmId, agentId: DEV, ...args });

/** Every agent's liveness in the tree, by agentId. */
async function treeLiveness(): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  // The tree leaves out the liveness of an agent that never sent a heartbeat: null here.
  const walk = (n: { agentId: string; liveness?: string; reports?: any[] }) => {
    out[n.agentId] = n.liveness ?? null;
    n.reports?.forEach(walk);
  };
  (await s.call('hierarchy_tree', { realmId })).roots.forEach(walk);
  return out;
}
const livenessOf = async (agentId = DEV) => (await treeLiveness())[agentId];
const heartbeatAudits = async () =>
  (await s.call('council_activity_log', { realmId, entityId: DEV, action: 'updated', limit: 100 })).entries.filter((e: any) => e.details?.heartbeat);
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('liveness', () => {
  it('is null for agents that never sent a heartbeat, in the tree and in find', async () => {
    const tree = await treeLiveness();
    expect(Object.values(tree)).toHaveLength(7);
    expect(Object.values(tree).every((l) => l === null)).toBe(true);
    const found = await s.call('hierarchy_find', { realmId, capability: 'typescript' });
    expect(found.matches.map((m: any) => [m.agentId, m.liveness])).toEqual([[DEV, null], ['agent-dev-2', null]]);
  });

  it('is ready after a heartbeat, draining when the agent says so, offline past the timeout', async () => {
    const first = await beat({ region: 'eu-west', version: '1.2.0', load: 0.5 });
    expect(first).toEqual({ agentId: DEV, liveness: 'ready', heartbeatAt: START, heartbeatIntervalSecs: 30, leasesRenewed: 0 });
    expect(await livenessOf()).toBe('ready');
    expect(await livenessOf('agent-dev-2')).toBeNull();
    const [node] = (await s.call('hierarchy_find', { realmId, capability: 'rust' })).matches;
    expect(node).toMatchObject({ agentId: DEV, liveness: 'ready', region: 'eu-west', agentVersion: '1.2.0', load: 0.5, heartbeatState: 'ready', version: 1 });

    clock.advance(10_000);
    expect((await beat({ state: 'draining' })).liveness).toBe('draining');
    // Region and version stay until a heartbeat gives others; load is a reading of the moment.
    expect((await s.call('hierarchy_find', { realmId, capability: 'rust' })).matches[0]).toMatchObject({ liveness: 'draining', region: 'eu-west', agentVersion: '1.2.0', load: null });

    clock.advance(90_000);
    expect(await livenessOf()).toBe('draining');
    clock.advance(1);
    expect(await livenessOf()).toBe('offline');
    expect((await beat()).liveness).toBe('ready');
  });

  it('is failed after a failure that follows the heartbeat, until the next heartbeat', async () => {
    await beat();
    clock.advance(5_000);
    await s.app.store.write((tx) => tx.nodes.markFailed(realmId, DEV, clock.now().toISOString()));
    expect(await livenessOf()).toBe('failed');
    clock.advance(1_000);
    expect((await beat()).liveness).toBe('ready');
    expect(await livenessOf()).toBe('ready');
  });

  it('is busy while the agent has a running bridge run (draining still wins)', async () => {
    const runtime = await s.call('bridge_register', { kind: 'http', name: 'h', url: 'http://127.0.0.1:9/', realmId });
    await beat();
    await s.app.store.write((tx) =>
      tx.runs.insert({
        id: 'run-00000000-0000-4000-8000-000000000001', runtimeId: runtime.id, realmId, agentId: DEV, missionId: null, status: 'running',
        output: null, outputTruncated: false, error: null, stderrTruncated: false, exitCode: null, signal: null, sessionId: null, usage: null,
        costCents: null, provider: null, model: null, permissionDenials: null, ownerInstanceId: s.app.instanceId, startedAt: START, finishedAt: null,
      }),
    );
    expect(await livenessOf()).toBe('busy');
    expect((await s.call('hierarchy_find', { realmId, liveness: 'busy' })).matches.map((m: any) => m.agentId)).toEqual([DEV]);
    expect((await beat({ state: 'draining' })).liveness).toBe('draining');
  });

  it('is found by liveness (one or several) and by region; find without a capability lists every live agent', async () => {
    await beat({ region: 'eu-west' });
    await s.call('hierarchy_heartbeat', { realmId, agentId: 'agent-cto', state: 'starting', region: 'us-east' });
    await s.call('hierarchy_heartbeat', { realmId, agentId: 'agent-cfo', state: 'draining', region: 'eu-west' });
    const ids = async (args: Record<string, unknown>) => (await s.call('hierarchy_find', { realmId, ...args })).matches.map((m: any) => m.agentId);

    expect(await ids({})).toEqual(['agent-ceo', 'agent-cfo', 'agent-cto', 'agent-dev-3', DEV, 'agent-dev-2', 'agent-accountant']);
    expect(await ids({ liveness: 'ready' })).toEqual([DEV]);
    expect(await ids({ liveness: ['ready', 'starting'] })).toEqual(['agent-cto', DEV]);
    expect(await ids({ region: 'eu-west' })).toEqual(['agent-cfo', DEV]);
    expect(await ids({ region: 'eu-west', liveness: 'draining' })).toEqual(['agent-cfo']);
    expect(await ids({ capability: 'architecture', liveness: 'starting' })).toEqual(['agent-cto']);
    expect(await ids({ underAgentId: 'agent-cto', region: 'eu-west' })).toEqual([DEV]);
    expect(await ids({ underAgentId: 'agent-cfo' })).toEqual(['agent-cfo', 'agent-accountant']);
    clock.advance(91_000);
    expect(await ids({ liveness: 'offline' })).toEqual(['agent-cfo', 'agent-cto', DEV]);

    await s.call('hierarchy_remove', { realmId, agentId: 'agent-accountant' });
    expect(await ids({ underAgentId: 'agent-cfo' })).toEqual(['agent-cfo']);
  });
});

describe('hierarchy_heartbeat', () => {
  it('audits only a change of stated state or a return from offline or failed, and announces only a change of liveness', async () => {
    await beat();
    await settle();
    expect(await heartbeatAudits()).toHaveLength(1);
    expect(announced.map((m) => m.payload)).toEqual([{ agentId: DEV, from: null, liveness: 'ready' }]);

    for (let i = 0; i < 3; i++) {
      clock.advance(30_000);
      await beat();
    }
    await settle();
    expect(await heartbeatAudits()).toHaveLength(1);
    expect(announced).toHaveLength(1);

    await beat({ state: 'busy' });
    await settle();
    expect(await heartbeatAudits()).toHaveLength(2);
    expect(announced.at(-1)!.payload).toEqual({ agentId: DEV, from: 'ready', liveness: 'busy' });

    clock.advance(120_000);
    await beat({ state: 'busy' });
    await settle();
    const audits = await heartbeatAudits();
    expect(audits).toHaveLength(3);
    expect(audits[0].details.heartbeat).toMatchObject({ state: 'busy', from: 'offline', liveness: 'busy' });
    expect(announced.at(-1)!.payload).toEqual({ agentId: DEV, from: 'offline', liveness: 'busy' });
    // The node's version is not bumped: a heartbeat is not an edit.
    expect((await s.call('hierarchy_chain', { realmId, agentId: DEV })).chain[0].version).toBe(1);
  });

  it('renews the lease of the active missions the agent holds', async () => {
    const mission = await s.call('mission_create', { realmId, title: 'ship it', createdBy: 'human:o', status: 'queued' });
    const other = await s.call('mission_create', { realmId, title: 'queued only', createdBy: 'human:o', status: 'queued' });
    await s.call('mission_checkout', { realmId, id: mission.id, agentId: DEV });
    const lease = async (id: string) => (await s.app.store.read((tx) => tx.missions.get(realmId, id)))!.leaseExpiresAt;

    clock.advance(40_000);
    expect((await beat()).leasesRenewed).toBe(1);
    expect(await lease(mission.id)).toBe('2026-11-20T10:02:10.000Z');
    clock.advance(30_000);
    await beat();
    expect(await lease(mission.id)).toBe('2026-11-20T10:02:40.000Z');
    expect(await lease(other.id)).toBeNull();
  });

  it('lets an agent beat only as itself, and keeps an operator in its own realm', async () => {
    const agent = await connect({ app: s.app, principal: agentPrincipal(realmId, DEV) });
    const otherRealm = (await newRealm(s, { name: 'other' })).id;
    const stranger = await connect({ app: s.app, principal: operatorPrincipal(otherRealm) });
    const operator = await connect({ app: s.app, principal: operatorPrincipal(realmId) });
    try {
      expect((await agent.call('hierarchy_heartbeat', {})).agentId).toBe(DEV);
      expect(await agent.fail('hierarchy_heartbeat', { realmId, agentId: 'agent-dev-2' })).toMatchObject({ code: 'forbidden', details: { reason: 'not_yourself' } });
      expect(await stranger.fail('hierarchy_heartbeat', { realmId, agentId: 'agent-dev-2' })).toMatchObject({ code: 'forbidden', details: { reason: 'other_realm' } });
      expect((await operator.call('hierarchy_heartbeat', { realmId, agentId: 'agent-dev-2' })).liveness).toBe('ready');
      expect(await livenessOf('agent-dev-2')).toBe('ready');
    } finally {
      await Promise.all([agent.close(), stranger.close(), operator.close()]);
    }
  });

  it('refuses agents that are not in the org chart or are terminated', async () => {
    expect(await s.fail('hierarchy_heartbeat', { realmId, agentId: 'agent-nobody' })).toMatchObject({ code: 'forbidden', details: { reason: 'not_a_node' } });
    await s.call('council_override', { realmId, targetAgentId: 'agent-dev-2', action: 'terminate', operatorId: 'human:o', reason: 'gone' });
    expect(await s.fail('hierarchy_heartbeat', { realmId, agentId: 'agent-dev-2' })).toMatchObject({ code: 'forbidden', details: { reason: 'terminated' } });
  });

  it('refuses bad input and changes nothing', async () => {
    for (const bad of [{ load: -1 }, { state: 'sleeping' }, { state: 'offline' }, { region: '' }, { version: 'x'.repeat(65) }]) {
      expect((await s.fail('hierarchy_heartbeat', { realmId, agentId: DEV, ...bad })).code, JSON.stringify(bad)).toBe('invalid_input');
    }
    expect(await s.fail('hierarchy_find', { realmId, liveness: 'asleep' })).toMatchObject({ code: 'invalid_input' });
    const [node] = (await s.call('hierarchy_find', { realmId, capability: 'rust' })).matches;
    expect(node).toMatchObject({ heartbeatAt: null, heartbeatState: null, load: null, liveness: null });
    expect(await heartbeatAudits()).toHaveLength(0);
  });
});

describe('the org tree resource', () => {
  it('shows liveness and is refreshed for subscribers when a heartbeat changes it, not on every heartbeat', async () => {
    const uri = `controlplane://realms/${realmId}/tree`;
    await new Promise((resolve) => setTimeout(resolve, 300)); // the set-up's own notifications go out first
    const seen: string[] = [];
    s.client.setNotificationHandler('notifications/resources/updated', (n) => void seen.push(n.params.uri));
    await s.subscribe(uri);
    await beat({ region: 'eu-west' });
    for (let i = 0; i < 50 && seen.length === 0; i++) await settle();
    expect(seen).toEqual([uri]);
    const tree = JSON.parse(((await s.client.readResource({ uri })).contents[0] as { text: string }).text);
    const dev = tree.roots[0].reports.find((r: any) => r.agentId === 'agent-cto').reports.find((r: any) => r.agentId === DEV);
    expect(dev).toMatchObject({ liveness: 'ready', region: 'eu-west' });
    // Past the coalescing window, a heartbeat that changes nothing notifies nobody.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await beat();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(seen).toEqual([uri]);
  });
});

describe('the briefing', () => {
  it('gives the agent its liveness and the heartbeat interval', async () => {
    const text = async () => {
      const prompt = await s.client.getPrompt({ name: 'agent_briefing', arguments: { realmId, agentId: DEV } });
      return (prompt.messages[0]!.content as { text: string }).text;
    };
    expect(await text()).toContain('Liveness: none (you have never sent hierarchy_heartbeat; if you do, send it every 30 s).');
    await beat({ state: 'draining' });
    expect(await text()).toContain('Liveness: draining. Send hierarchy_heartbeat every 30 s');
  });
});
