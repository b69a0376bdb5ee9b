// mission_update (edits and delegation) and blockedBy on create and update, through a real MCP client on a real
// SQLite database; the chain-of-command rules with agent and operator principals as HTTP tokens would make them.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentPrincipal, operatorPrincipal } from '../../src/domain/principal.js';
import { connect } from '../helpers/connect.js';
import { rawSql } from '../helpers/raw-sql.js';
import { orgSession } from '../helpers/org.js';

let s: Awaited<ReturnType<typeof connect>>;
let realmId: string;
const sessions: Awaited<ReturnType<typeof connect>>[] = [];
beforeEach(async () => void ({ s, realmId } = await orgSession()));
afterEach(async () => {
  for (const other of sessions.splice(0)) await other.close();
  await s.close();
});

/** A session on the same server as another principal. */
async function as(principal: ReturnType<typeof agentPrincipal>) {
  const session = await connect({ app: s.app, principal });
  sessions.push(session);
  return session;
}

const db = () => rawSql(s.app);
/** The mission_blockers rows of a realm, as "mission<-blocker", sorted. */
const blockerRows = async (realm = realmId) =>
  (await db().all<{ mission_id: string; blocker_id: string }>('SELECT mission_id, blocker_id FROM mission_blockers WHERE realm_id = ?', realm))
    .map((r) => `${r.mission_id}<-${r.blocker_id}`)
    .sort();
const mission = (extra: Record<string, unknown> = {}) => s.call('mission_create', { realmId, title: 'Build authentication', createdBy: 'agent-cto', ...extra });
const get = async (id: string) => (await s.call('mission_list', { realmId, limit: 1000 })).missions.find((m: { id: string }) => m.id === id);
const audit = async (action: string) => (await s.call('council_activity_log', { realmId, action })).entries;

describe('blockedBy on mission_create', () => {
  it('keeps the deduplicated list on the mission and in mission_blockers, with region and maxAttempts', async () => {
    const a = await mission();
    const b = await mission();
    const c = await mission({ blockedBy: [a.id, b.id, a.id], region: 'eu-west', maxAttempts: 5 });
    expect(c).toMatchObject({ blockedBy: [a.id, b.id], region: 'eu-west', maxAttempts: 5 });
    expect(await blockerRows()).toEqual([`${c.id}<-${a.id}`, `${c.id}<-${b.id}`].sort());
    expect((await mission()).blockedBy).toEqual([]);
  });

  it('refuses an unknown blocker (or one of another realm) and writes nothing', async () => {
    const other = (await s.call('realm_create', { name: 'other', owner: 'admin' })).id;
    const foreign = await s.call('mission_create', { realmId: other, title: 'x', createdBy: 'a' });
    const a = await mission();
    for (const bad of ['msn-nope', foreign.id]) {
      const error = await s.fail('mission_create', { realmId, title: 'x', createdBy: 'agent-cto', blockedBy: [a.id, bad] });
      expect(error).toMatchObject({ code: 'not_found', details: { field: 'blockedBy', id: bad } });
    }
    expect((await s.call('mission_list', { realmId })).count).toBe(1);
    expect(await blockerRows()).toEqual([]);
    expect((await s.fail('mission_create', { realmId, title: 'x', createdBy: 'a', maxAttempts: 0 })).details).toMatchObject({ field: 'maxAttempts' });
  });
});

describe('mission_update: fields', () => {
  it('writes and audits only the fields that change; a repeat changes nothing', async () => {
    const dir = await s.call('directive_create', { realmId, title: 'Ship v1', level: 'realm' });
    const m = await mission({ description: 'old', requiredCapabilities: ['rust'] });
    const cto = await as(agentPrincipal(realmId, 'agent-cto'));
    const edit = {
      realmId, id: m.id, title: 'Build auth', description: null, priority: 'high', requiredCapabilities: ['TypeScript'],
      directiveId: dir.id, maxAttempts: 7, region: 'us-east',
    };
    const updated = await cto.call('mission_update', { ...edit, expectedVersion: 1 });
    expect(updated).toMatchObject({
      title: 'Build auth', description: null, priority: 'high', requiredCapabilities: ['typescript'], directiveId: dir.id,
      maxAttempts: 7, region: 'us-east', version: 2, status: 'backlog', assigneeId: null,
    });
    expect(await cto.call('mission_update', edit)).toEqual(updated);
    const partial = await cto.call('mission_update', { realmId, id: m.id, title: 'Build auth', priority: 'low', directiveId: null, maxAttempts: null });
    expect(partial).toMatchObject({ priority: 'low', directiveId: null, maxAttempts: null, version: 3 });
    expect((await audit('updated')).map((e: { actorId: string; details: unknown }) => [e.actorId, e.details])).toEqual([
      ['agent-cto', { fields: ['priority', 'directiveId', 'maxAttempts'] }],
      ['agent-cto', { fields: ['title', 'description', 'priority', 'requiredCapabilities', 'directiveId', 'maxAttempts', 'region'] }],
    ]);
    expect((await s.fail('mission_update', { realmId, id: m.id, agentId: 'agent-cto', directiveId: 'dir-nope' })).details).toMatchObject({ field: 'directiveId' });
  });

  it('lets the creator, the assignee and agents above it edit, and no one else', async () => {
    const m = await mission({ createdBy: 'agent-cfo' });
    await s.call('mission_checkout', { realmId, id: m.id, agentId: 'agent-dev-1' });
    let version = 2;
    for (const agent of ['agent-cfo', 'agent-dev-1', 'agent-cto', 'agent-ceo']) {
      const session = await as(agentPrincipal(realmId, agent));
      expect((await session.call('mission_update', { realmId, id: m.id, title: `by ${agent}` })).version).toBe(++version);
    }
    const peer = await as(agentPrincipal(realmId, 'agent-dev-2'));
    expect(await peer.fail('mission_update', { realmId, id: m.id, title: 'mine' })).toMatchObject({
      code: 'forbidden', details: { agentId: 'agent-dev-2', assigneeId: 'agent-dev-1', createdBy: 'agent-cfo' },
    });
    const ghost = await as(agentPrincipal(realmId, 'agent-ghost'));
    expect(await ghost.fail('mission_update', { realmId, id: m.id, title: 'x' })).toMatchObject({ code: 'forbidden', details: { reason: 'not_a_node' } });
    expect((await get(m.id)).title).toBe('by agent-ceo');
  });

  it('refuses a stale expectedVersion or fence, and any edit of a complete or cancelled mission', async () => {
    const m = await mission();
    const held = await s.call('mission_checkout', { realmId, id: m.id, agentId: 'agent-dev-1' });
    const stale = await s.fail('mission_update', { realmId, id: m.id, agentId: 'agent-dev-1', title: 'x', expectedVersion: 1 });
    expect(stale).toMatchObject({ code: 'conflict', details: { currentVersion: 2, expectedVersion: 1 } });
    const fenced = await s.fail('mission_update', { realmId, id: m.id, agentId: 'agent-dev-1', title: 'x', fence: held.fence + 1 });
    expect(fenced).toMatchObject({ code: 'conflict', details: { fence: held.fence, given: held.fence + 1 } });
    expect((await s.call('mission_update', { realmId, id: m.id, agentId: 'agent-dev-1', title: 'x', fence: held.fence, expectedVersion: 2 })).title).toBe('x');
    await s.call('mission_transition', { realmId, id: m.id, status: 'cancelled', agentId: 'agent-dev-1' });
    const done = await s.fail('mission_update', { realmId, id: m.id, agentId: 'agent-dev-1', title: 'y' });
    expect(done).toMatchObject({ code: 'invalid_transition', details: { from: 'cancelled', allowed: [] } });
    expect((await get(m.id)).title).toBe('x');
  });
});

describe('mission_update: delegation', () => {
  it('by a manager: an active mission moves to the new holder with a new fence; the lease follows its heartbeats', async () => {
    const m = await mission({ requiredCapabilities: ['typescript'] });
    const held = await s.call('mission_checkout', { realmId, id: m.id, agentId: 'agent-dev-1' });
    const cto = await as(agentPrincipal(realmId, 'agent-cto'));
    const moved = await cto.call('mission_update', { realmId, id: m.id, assigneeId: 'agent-dev-2' });
    expect(moved).toMatchObject({ status: 'active', assigneeId: 'agent-dev-2', fence: held.fence + 1, leaseExpiresAt: null, startedAt: held.startedAt });
    // A call with the previous holder's fence is refused, and the previous holder may no longer edit it.
    const late = await s.fail('mission_update', { realmId, id: m.id, agentId: 'agent-cto', title: 'x', fence: held.fence });
    expect(late).toMatchObject({ code: 'conflict', details: { fence: held.fence + 1, given: held.fence } });
    expect((await s.fail('mission_update', { realmId, id: m.id, agentId: 'agent-dev-1', title: 'x' })).code).toBe('forbidden');
    // A holder that sends heartbeats gets a lease of the realm's leaseSecs (90 s by default).
    expect((await db().run("UPDATE nodes SET heartbeat_at = ? WHERE agent_id = 'agent-dev-1' AND realm_id = ?", new Date().toISOString(), realmId)).changes).toBe(1);
    const before = Date.now();
    const back = await cto.call('mission_update', { realmId, id: m.id, assigneeId: 'agent-dev-1' });
    expect(back).toMatchObject({ assigneeId: 'agent-dev-1', fence: held.fence + 2 });
    const lease = Date.parse(back.leaseExpiresAt) - before;
    expect(lease).toBeGreaterThanOrEqual(90_000);
    expect(lease).toBeLessThan(100_000);
    const entries = await audit('delegated');
    expect(entries.map((e: { actorId: string; details: unknown }) => [e.actorId, e.details])).toEqual([
      ['agent-cto', { from: 'agent-dev-2', to: 'agent-dev-1', status: { from: 'active', to: 'active' }, fence: held.fence + 2 }],
      ['agent-cto', { from: 'agent-dev-1', to: 'agent-dev-2', status: { from: 'active', to: 'active' }, fence: held.fence + 1 }],
    ]);
    // Giving it to its holder again is no change.
    expect(await cto.call('mission_update', { realmId, id: m.id, assigneeId: 'agent-dev-1' })).toEqual(back);
  });

  it('starts an unassigned mission as a checkout would, and keeps a blocked one blocked', async () => {
    const queued = await mission({ status: 'queued' });
    const cto = await as(agentPrincipal(realmId, 'agent-cto'));
    const started = await cto.call('mission_update', { realmId, id: queued.id, assigneeId: 'agent-dev-3' });
    expect(started).toMatchObject({ status: 'active', assigneeId: 'agent-dev-3', fence: 1 });
    expect(started.startedAt).not.toBeNull();
    await s.call('mission_transition', { realmId, id: queued.id, status: 'blocked', agentId: 'agent-dev-3' });
    expect(await cto.call('mission_update', { realmId, id: queued.id, assigneeId: 'agent-dev-1' })).toMatchObject({ status: 'blocked', assigneeId: 'agent-dev-1', fence: 2 });
  });

  it('by an operator acting as itself, to anyone who can take it', async () => {
    const m = await mission();
    await s.call('mission_checkout', { realmId, id: m.id, agentId: 'agent-dev-1' });
    const operator = await as(operatorPrincipal(realmId, 'human:ops'));
    const moved = await operator.call('mission_update', { realmId, id: m.id, agentId: 'human:ops', assigneeId: 'agent-accountant', title: 'Audit auth' });
    expect(moved).toMatchObject({ assigneeId: 'agent-accountant', title: 'Audit auth', status: 'active' });
    const [delegated] = await audit('delegated');
    expect(delegated).toMatchObject({ actorKind: 'human', actorId: 'human:ops', details: { from: 'agent-dev-1', to: 'agent-accountant' } });
    // Acting under an agent's id, an operator has that agent's rights only.
    const asPeer = await operator.fail('mission_update', { realmId, id: m.id, agentId: 'agent-dev-2', assigneeId: 'agent-dev-2' });
    expect(asPeer).toMatchObject({ code: 'forbidden', details: { reason: 'not_above_assignee' } });
  });

  it('is refused to a peer, outside the delegator\'s line, to an agent lacking capabilities, and for a failed mission', async () => {
    const m = await mission({ requiredCapabilities: ['rust'] });
    const held = await s.call('mission_checkout', { realmId, id: m.id, agentId: 'agent-dev-1' });
    const peer = await as(agentPrincipal(realmId, 'agent-dev-2'));
    expect(await peer.fail('mission_update', { realmId, id: m.id, assigneeId: 'agent-dev-2' })).toMatchObject({
      code: 'forbidden', details: { agentId: 'agent-dev-2', assigneeId: 'agent-dev-1', reason: 'not_above_assignee' },
    });
    const cto = await as(agentPrincipal(realmId, 'agent-cto'));
    expect(await cto.fail('mission_update', { realmId, id: m.id, assigneeId: 'agent-accountant' })).toMatchObject({
      code: 'forbidden', details: { newAssigneeId: 'agent-accountant', reason: 'not_under_you' },
    });
    expect(await cto.fail('mission_update', { realmId, id: m.id, assigneeId: 'agent-dev-2' })).toMatchObject({
      code: 'forbidden', details: { agentId: 'agent-dev-2', missing: ['rust'] },
    });
    // Capabilities changed in the same call are the ones the new assignee needs.
    expect(await cto.call('mission_update', { realmId, id: m.id, assigneeId: 'agent-dev-2', requiredCapabilities: ['typescript'] })).toMatchObject({
      assigneeId: 'agent-dev-2', requiredCapabilities: ['typescript'], fence: held.fence + 1,
    });
    expect((await db().run("UPDATE missions SET status = 'failed' WHERE id = ?", m.id)).changes).toBe(1);
    expect(await cto.fail('mission_update', { realmId, id: m.id, assigneeId: 'agent-dev-1' })).toMatchObject({ code: 'invalid_transition', details: { from: 'failed' } });
    expect((await cto.call('mission_update', { realmId, id: m.id, maxAttempts: 10 })).maxAttempts).toBe(10);
    expect((await get(m.id)).assigneeId).toBe('agent-dev-2');
  });

  it('does not start a mission that waits for blockers that are not complete', async () => {
    const blocker = await mission();
    const m = await mission({ status: 'queued', blockedBy: [blocker.id] });
    const error = await s.fail('mission_update', { realmId, id: m.id, agentId: 'agent-cto', assigneeId: 'agent-dev-1' });
    expect(error).toMatchObject({ code: 'conflict', details: { blockedBy: [blocker.id] } });
    expect(await get(m.id)).toMatchObject({ status: 'queued', assigneeId: null, version: 1 });
    // Dropping the blocker in the same call lets it start.
    expect(await s.call('mission_update', { realmId, id: m.id, agentId: 'agent-cto', assigneeId: 'agent-dev-1', blockedBy: [] })).toMatchObject({
      status: 'active', blockedBy: [],
    });
    expect(await blockerRows()).toEqual([]);
  });
});

describe('mission_update: blockedBy', () => {
  it('replaces the list and its rows; a loop (through others or onto itself) is cycle_detected and changes nothing', async () => {
    const [a, b, c, d] = [await mission(), await mission(), await mission(), await mission()];
    await s.call('mission_update', { realmId, id: a.id, agentId: 'agent-cto', blockedBy: [b.id] });
    await s.call('mission_update', { realmId, id: b.id, agentId: 'agent-cto', blockedBy: [c.id, d.id] });
    const rows = await blockerRows();
    expect(rows).toEqual([`${a.id}<-${b.id}`, `${b.id}<-${c.id}`, `${b.id}<-${d.id}`].sort());

    const loop = await s.fail('mission_update', { realmId, id: c.id, agentId: 'agent-cto', blockedBy: [d.id, a.id] });
    expect(loop).toMatchObject({ code: 'cycle_detected', details: { field: 'blockedBy', blockerId: a.id, loop: [c.id, a.id, b.id, c.id] } });
    const self = await s.fail('mission_update', { realmId, id: a.id, agentId: 'agent-cto', blockedBy: [b.id, a.id] });
    expect(self).toMatchObject({ code: 'cycle_detected', details: { blockerId: a.id, loop: [a.id, a.id] } });
    const unknown = await s.fail('mission_update', { realmId, id: c.id, agentId: 'agent-cto', blockedBy: ['msn-nope'] });
    expect(unknown).toMatchObject({ code: 'not_found', details: { field: 'blockedBy' } });
    expect(await blockerRows()).toEqual(rows);
    expect((await get(c.id)).version).toBe(1);
    expect((await get(a.id))).toMatchObject({ blockedBy: [b.id], version: 2 });

    // Not a loop: two paths to the same mission (a diamond), and d waiting for c once b no longer waits for d.
    expect((await s.call('mission_update', { realmId, id: a.id, agentId: 'agent-cto', blockedBy: [b.id, c.id, d.id] })).blockedBy).toEqual([b.id, c.id, d.id]);
    await s.call('mission_update', { realmId, id: b.id, agentId: 'agent-cto', blockedBy: [c.id] });
    expect((await s.call('mission_update', { realmId, id: d.id, agentId: 'agent-cto', blockedBy: [c.id] })).blockedBy).toEqual([c.id]);
    expect(await blockerRows()).toEqual([`${a.id}<-${b.id}`, `${a.id}<-${c.id}`, `${a.id}<-${d.id}`, `${b.id}<-${c.id}`, `${d.id}<-${c.id}`].sort());
  });

  it('survives export and import (ids remapped, rows rebuilt), and realm_delete removes the rows', async () => {
    const a = await mission();
    const b = await mission({ blockedBy: [a.id] });
    await mission({ blockedBy: [a.id, b.id] });
    const doc = await s.call('realm_export', { id: realmId });
    const copy = (await s.call('realm_import', { data: doc, newName: 'copy' })).realm.id;
    const copied = (await s.call('mission_list', { realmId: copy })).missions as { id: string; title: string; blockedBy: string[]; createdAt: string }[];
    const ids = new Set(copied.map((m) => m.id));
    expect(copied.every((m) => m.blockedBy.every((id) => ids.has(id)))).toBe(true);
    expect(copied.map((m) => m.blockedBy.length).sort()).toEqual([0, 1, 2]);
    const expected = copied.flatMap((m) => m.blockedBy.map((blocker) => `${m.id}<-${blocker}`)).sort();
    expect(await blockerRows(copy)).toEqual(expected);
    expect(expected).toHaveLength(3);
    // The copy's rows drive the loop check there too.
    const [first] = copied.filter((m) => m.blockedBy.length === 0);
    const last = copied.find((m) => m.blockedBy.length === 2)!;
    expect((await s.fail('mission_update', { realmId: copy, id: first!.id, agentId: 'agent-cto', blockedBy: [last.id] })).code).toBe('cycle_detected');

    const deleted = await s.call('realm_delete', { id: copy, confirm: 'copy' });
    expect(deleted.counts).toMatchObject({ missions: 3, mission_blockers: 3 });
    expect(await blockerRows(copy)).toEqual([]);
    expect(await blockerRows()).toHaveLength(3);
  });

  it('imports a document exported before fleet operations, with what the migration gave stored rows', async () => {
    await mission();
    await s.call('hierarchy_heartbeat', { realmId, agentId: 'agent-cto', region: 'eu' });
    const doc = await s.call('realm_export', { id: realmId });
    delete doc.realm.fleet;
    const added = ['heartbeatAt', 'heartbeatState', 'load', 'region', 'agentVersion', 'failedAt'];
    for (const node of doc.nodes) for (const key of added) delete node[key];
    const fields = ['blockedBy', 'region', 'attempts', 'maxAttempts', 'retryAt', 'lastError', 'fence', 'leaseExpiresAt'];
    for (const m of doc.missions) for (const key of fields) delete m[key];
    const copy = (await s.call('realm_import', { data: doc, newName: 'old' })).realm;
    expect(copy.fleet).toEqual((await s.call('realm_get', { id: realmId })).fleet);
    const [m] = (await s.call('mission_list', { realmId: copy.id })).missions;
    expect(m).toMatchObject({ blockedBy: [], region: null, attempts: 0, maxAttempts: null, retryAt: null, lastError: null, fence: 0, leaseExpiresAt: null });
    const cto = (await s.call('hierarchy_find', { realmId: copy.id, capability: 'hiring' })).matches[0];
    expect(cto).toMatchObject({ agentId: 'agent-cto', heartbeatAt: null, region: null, liveness: null });
  });
});
