// Claim-next, retries and dead letters, leases with fencing and the queue, through a real MCP client on a
// real SQLite file with an injected clock.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentPrincipal } from '../../src/domain/principal.js';
import { fakeClock } from '../helpers/clock.js';
import { connect } from '../helpers/connect.js';
import { newRealm, seedOrg } from '../helpers/org.js';
import { tempDb } from '../helpers/processes.js';
import { rawSql } from '../helpers/raw-sql.js';

const START = '2026-11-20T10:00:00.000Z';
const clock = fakeClock(START);
let s: Awaited<ReturnType<typeof connect>>;
let realmId: string;
let db: string;

beforeEach(async () => {
  clock.set(START);
  db = tempDb();
  s = await connect({ db, clock });
  realmId = (await newRealm(s)).id;
  await seedOrg(s, realmId);
});
afterEach(() => s.close());

type M = { id: string; status: string; attempts: number; retryAt: string | null; fence: number; leaseExpiresAt: string | null; assigneeId: string | null; lastError: string | null; version: number };

const create = (extra: Record<string, unknown> = {}) =>
  s.call<M>('mission_create', { realmId, title: 'task', createdBy: 'agent-cto', status: 'queued', ...extra });
const claim = (agentId: string, extra: Record<string, unknown> = {}) =>
  s.call<{ mission: M | null; lease: { fence: number; expiresAt: string | null } | null }>('mission_claim_next', { realmId, agentId, ...extra });
const get = async (id: string) => (await s.call<{ missions: M[] }>('mission_list', { realmId, limit: 200 })).missions.find((m) => m.id === id)!;
/** What the heartbeat tool records (another part of the issue builds the tool; the repo call is the same). */
const heartbeat = (agentId: string, state: 'ready' | 'draining' = 'ready', region: string | null = null) =>
  s.app.store.write((tx) => tx.nodes.heartbeat(realmId, agentId, { heartbeatAt: clock.now().toISOString(), heartbeatState: state, load: null, region, agentVersion: null }));
const secs = (from: string, to: string | null) => (Date.parse(to!) - Date.parse(from)) / 1000;
const audit = async (action: string) => (await s.call('council_activity_log', { realmId, action })).entries as { entityId: string; details: Record<string, unknown> }[];

describe('mission_claim_next', () => {
  it('hands out by capabilities, then priority, then region, then age; null when nothing fits', async () => {
    const rust = await create({ priority: 'critical', requiredCapabilities: ['rust'] });
    const us = await create({ priority: 'critical' });
    await s.app.store.write((tx) => tx.missions.update(realmId, us.id, us.version, { region: 'us' }));
    const none = await create({ priority: 'critical' });
    const eu = await create({ priority: 'critical' });
    await s.app.store.write((tx) => tx.missions.update(realmId, eu.id, eu.version, { region: 'eu' }));
    const high = await create({ priority: 'high' });
    const older = await create({ priority: 'normal' });
    clock.advance(1000);
    const newer = await create({ priority: 'normal' });
    // The list of what could be taken (the briefing's) gives the same order, whatever its limit.
    const takeable = (limit: number) =>
      s.app.store.read((tx) => tx.missions.takeable({ realmId, agentId: 'agent-dev-2', region: 'eu', now: clock.now().toISOString(), limit }));
    const takenInOrder = (await takeable(10)).map((m) => m.id);
    expect((await takeable(2)).map((m) => m.id)).toEqual(takenInOrder.slice(0, 2));
    expect((await takeable(4)).map((m) => m.id)).toEqual(takenInOrder.slice(0, 4));
    const order: string[] = [];
    for (;;) {
      const { mission, lease } = await claim('agent-dev-2', { region: 'eu' });
      if (!mission) {
        expect(lease).toBeNull();
        break;
      }
      expect(mission).toMatchObject({ status: 'active', assigneeId: 'agent-dev-2', fence: 1, leaseExpiresAt: null });
      // agent-dev-2 never sent a heartbeat: its lease never lapses.
      expect(lease).toEqual({ fence: 1, expiresAt: null });
      order.push(mission.id);
    }
    expect(takenInOrder).toEqual([eu.id, none.id, us.id, high.id, older.id, newer.id]);
    expect(order).toEqual([eu.id, none.id, us.id, high.id, older.id, newer.id]);
    // Only the agent with rust gets the rust mission.
    expect((await claim('agent-dev-1')).mission!.id).toBe(rust.id);
    const [entry] = await audit('checked_out');
    expect(entry).toMatchObject({ entityId: rust.id, details: { claimed: true, fence: 1 } });
  });

  it('hands a mission only to an agent holding every capability it requires (names ignore case)', async () => {
    const both = await create({ requiredCapabilities: ['typescript', 'rust'] });
    const review = await create({ requiredCapabilities: ['code-review'] });
    const twice = await create({ requiredCapabilities: ['typescript', 'typescript'] });
    // Input lower-cases and deduplicates names; stored as given (an import, a hand edit), the claim's own
    // check must still see a repeat as one requirement and another case as another name, on both engines.
    const stored = (id: string, requiredCapabilities: string[]) =>
      s.app.store.write(function* (tx) {
        const m = (yield* tx.missions.get(realmId, id))!;
        return yield* tx.missions.update(realmId, id, m.version, { requiredCapabilities });
      });
    await stored(twice.id, ['typescript', 'typescript']);
    const upper = await create();
    await stored(upper.id, ['TypeScript']);
    // agent-dev-2 holds typescript only; agent-dev-3 Code-Review and architecture; agent-cfo finance.
    expect((await claim('agent-cfo')).mission).toBeNull();
    expect((await claim('agent-dev-2')).mission!.id).toBe(twice.id);
    expect((await claim('agent-dev-2')).mission).toBeNull();
    expect((await claim('agent-dev-3')).mission!.id).toBe(review.id);
    expect((await claim('agent-dev-3')).mission).toBeNull();
    expect((await claim('agent-dev-1')).mission!.id).toBe(both.id);
    // Nobody holds "TypeScript".
    expect((await claim('agent-dev-1')).mission).toBeNull();
  });

  it('takes the region of the last heartbeat when none is given', async () => {
    const eu = await create();
    const ap = await create();
    await s.app.store.write((tx) => tx.missions.update(realmId, ap.id, ap.version, { region: 'ap' }));
    await s.app.store.write((tx) => tx.missions.update(realmId, eu.id, eu.version, { region: 'eu' }));
    await heartbeat('agent-dev-2', 'ready', 'ap');
    expect((await claim('agent-dev-2')).mission!.id).toBe(ap.id);
  });

  it('refuses offline and draining agents (liveness), and agents not in the org', async () => {
    await create();
    await heartbeat('agent-dev-2');
    clock.advance(91_000);
    expect(await s.fail('mission_claim_next', { realmId, agentId: 'agent-dev-2' })).toMatchObject({ code: 'forbidden', details: { reason: 'liveness', liveness: 'offline' } });
    await heartbeat('agent-dev-2', 'draining');
    expect(await s.fail('mission_claim_next', { realmId, agentId: 'agent-dev-2' })).toMatchObject({ code: 'forbidden', details: { reason: 'liveness', liveness: 'draining' } });
    expect(await s.fail('mission_claim_next', { realmId, agentId: 'agent-ghost' })).toMatchObject({ code: 'forbidden', details: { reason: 'not_a_node' } });
    await heartbeat('agent-dev-2');
    expect((await claim('agent-dev-2')).mission).not.toBeNull();
    // Checkout by id and delegation hand no work to such an agent either.
    const other = await create();
    await heartbeat('agent-dev-1', 'draining');
    expect(await s.fail('mission_checkout', { realmId, id: other.id, agentId: 'agent-dev-1' })).toMatchObject({ code: 'forbidden', details: { reason: 'liveness', liveness: 'draining' } });
    expect(await s.fail('mission_update', { realmId, id: other.id, agentId: 'agent-cto', assigneeId: 'agent-dev-1' })).toMatchObject({ code: 'forbidden', details: { reason: 'liveness' } });
    expect((await get(other.id))).toMatchObject({ status: 'queued', assigneeId: null });
  });

  it('skips missions whose blockers are not complete; checkout refuses them naming the open blockers', async () => {
    const first = await create({ priority: 'low' });
    const second = await create({ priority: 'critical' });
    // blockedBy as mission_create/update will store it (another part of the issue): the JSON list and the table.
    const raw = rawSql(s.app);
    expect((await raw.run('UPDATE missions SET blocked_by = ? WHERE id = ?', JSON.stringify([first.id]), second.id)).changes).toBe(1);
    await raw.run('INSERT INTO mission_blockers (realm_id, mission_id, blocker_id) VALUES (?, ?, ?)', realmId, second.id, first.id);
    const queue = await s.call('mission_queue', { realmId });
    expect(queue.missions.blocked).toMatchObject({ total: 1, byPriority: { critical: 1 } });
    expect(queue.missions.queued).toMatchObject({ total: 1, byPriority: { low: 1 } });
    expect(await s.fail('mission_checkout', { realmId, id: second.id, agentId: 'agent-dev-1' })).toMatchObject({ code: 'conflict', details: { blockedBy: [first.id] } });
    expect((await claim('agent-dev-1')).mission!.id).toBe(first.id);
    expect((await claim('agent-dev-2')).mission).toBeNull();
    await s.call('mission_transition', { realmId, id: first.id, agentId: 'agent-dev-1', status: 'review' });
    expect((await claim('agent-dev-2')).mission).toBeNull();
    await s.call('mission_transition', { realmId, id: first.id, agentId: 'agent-dev-1', status: 'complete' });
    expect((await claim('agent-dev-2')).mission!.id).toBe(second.id);
  });

  it('gives each of 100 missions to exactly one of 20 concurrent claimers', async () => {
    const agents = Array.from({ length: 20 }, (_, i) => `agent-w${i}`);
    for (const agentId of agents) await s.call('hierarchy_set', { realmId, agentId, reportsTo: 'agent-cto' });
    const ids = new Set<string>();
    for (let i = 0; i < 100; i++) ids.add((await create({ priority: (['critical', 'high', 'normal', 'low'] as const)[i % 4] })).id);
    const claimed: string[] = [];
    await Promise.all(
      agents.map(async (agentId) => {
        for (;;) {
          const { mission } = await claim(agentId);
          if (!mission) return;
          expect(mission.assigneeId).toBe(agentId);
          claimed.push(mission.id);
        }
      }),
    );
    expect(claimed).toHaveLength(100);
    expect(new Set(claimed)).toEqual(ids);
  });
});

describe('mission_fail: retries and dead letters', () => {
  it('requeues with a growing backoff, skipped by claims until due, then a dead letter after maxAttempts', async () => {
    const m = await create({ requiredCapabilities: ['typescript'] });
    const attempt = async () => {
      const { mission, lease } = await claim('agent-dev-2');
      expect(mission!.id).toBe(m.id);
      return s.call<M>('mission_fail', { realmId, id: m.id, agentId: 'agent-dev-2', reason: 'tests failed', fence: lease!.fence });
    };
    const first = await attempt();
    expect(first).toMatchObject({ status: 'queued', assigneeId: null, attempts: 1, lastError: 'tests failed', leaseExpiresAt: null });
    // retryBaseSecs 10, doubled per attempt, plus up to half again of jitter.
    const delay1 = secs(clock.now().toISOString(), first.retryAt);
    expect(delay1).toBeGreaterThanOrEqual(10);
    expect(delay1).toBeLessThan(15);
    expect((await claim('agent-dev-2')).mission).toBeNull();
    expect((await s.call('mission_queue', { realmId })).missions.retrying.total).toBe(1);
    clock.set(first.retryAt!);
    const second = await attempt();
    const delay2 = secs(clock.now().toISOString(), second.retryAt);
    expect(delay2).toBeGreaterThanOrEqual(20);
    expect(delay2).toBeLessThan(30);
    expect(second.attempts).toBe(2);
    clock.set(second.retryAt!);
    // The third failure of three attempts: a dead letter.
    const dead = await attempt();
    expect(dead).toMatchObject({ status: 'failed', assigneeId: null, attempts: 3, retryAt: null, lastError: 'tests failed' });
    expect((await s.call('mission_list', { realmId, status: 'failed' })).missions.map((x: M) => x.id)).toEqual([m.id]);
    clock.advance(3600_000);
    expect((await claim('agent-dev-2')).mission).toBeNull();
    expect((await audit('retry_scheduled')).map((e) => e.details.attempts)).toEqual([2, 1]);
    expect((await audit('dead_lettered'))[0]!.details).toMatchObject({ attempts: 3, reason: 'tests failed' });

    // An operator requeues the dead letter (acting as any node: it has no assignee, so no one above it), with a
    // fresh set of attempts and the last error kept. An agent that is neither its creator nor an operator may not.
    const agent = await connect({ app: s.app, principal: agentPrincipal(realmId, 'agent-dev-1') });
    expect(await agent.fail('mission_transition', { realmId, id: m.id, agentId: 'agent-dev-1', status: 'queued' })).toMatchObject({ code: 'forbidden' });
    await agent.close();
    // Not even its creator, as an agent: an agent that could requeue its own dead letters would retry forever.
    const creator = await connect({ app: s.app, principal: agentPrincipal(realmId, 'agent-cto') });
    expect(await creator.fail('mission_transition', { realmId, id: m.id, agentId: 'agent-cto', status: 'queued' })).toMatchObject({ code: 'forbidden', details: { reason: 'operator_only' } });
    await creator.close();
    const requeued = await s.call<M>('mission_transition', { realmId, id: m.id, agentId: 'agent-dev-1', status: 'queued' });
    expect(requeued).toMatchObject({ status: 'queued', attempts: 0, retryAt: null, lastError: 'tests failed' });
    expect((await claim('agent-dev-2')).mission!.id).toBe(m.id);
  });

  it('makes a dead letter at once when not retryable; only the holder or above may fail', async () => {
    const m = await create();
    await claim('agent-dev-2');
    expect(await s.fail('mission_fail', { realmId, id: m.id, agentId: 'agent-dev-1', reason: 'x' })).toMatchObject({ code: 'forbidden' });
    const dead = await s.call<M>('mission_fail', { realmId, id: m.id, agentId: 'agent-cto', reason: 'bad spec', retryable: false });
    expect(dead).toMatchObject({ status: 'failed', attempts: 1, lastError: 'bad spec' });
    expect(await s.fail('mission_fail', { realmId, id: m.id, agentId: 'agent-cto', reason: 'again' })).toMatchObject({ code: 'invalid_transition' });
  });
});

describe('leases and fencing', () => {
  it('renews on the holder\'s own calls, expires into a retry audited lease_expired, and refuses the late holder\'s stale fence', async () => {
    const m = await create();
    await heartbeat('agent-dev-2');
    const { lease } = await claim('agent-dev-2');
    expect(lease).toEqual({ fence: 1, expiresAt: new Date(Date.parse(START) + 90_000).toISOString() });

    clock.advance(60_000);
    await s.call('mission_comment', { realmId, missionId: m.id, authorId: 'agent-dev-2', body: 'halfway', fence: 1 });
    expect((await get(m.id)).leaseExpiresAt).toBe(new Date(clock.now().getTime() + 90_000).toISOString());
    // Its own update renews it too, even one that changes nothing.
    clock.advance(30_000);
    const updated = await s.call('mission_update', { realmId, id: m.id, agentId: 'agent-dev-2', title: 'Renewed', fence: 1 });
    expect(updated.leaseExpiresAt).toBe(new Date(clock.now().getTime() + 90_000).toISOString());
    clock.advance(30_000);
    const unchanged = await s.call('mission_update', { realmId, id: m.id, agentId: 'agent-dev-2', title: 'Renewed' });
    expect(unchanged).toMatchObject({ version: updated.version, leaseExpiresAt: new Date(clock.now().getTime() + 90_000).toISOString() });
    clock.advance(60_000);
    expect(await s.app.leaseSweep!.sweep()).toBe(0);

    clock.advance(31_000);
    expect(await s.app.leaseSweep!.sweep()).toBe(1);
    const expired = await get(m.id);
    expect(expired).toMatchObject({ status: 'queued', assigneeId: null, attempts: 1, lastError: 'lease_expired', leaseExpiresAt: null, fence: 1 });
    expect((await audit('lease_expired'))[0]).toMatchObject({ entityId: m.id, details: { outcome: 'retry_scheduled', previousAssignee: 'agent-dev-2' } });

    // Taken again (fence 2); the first holder's late calls with fence 1 change nothing.
    clock.set(expired.retryAt!);
    await heartbeat('agent-dev-2');
    const again = await claim('agent-dev-2');
    expect(again.lease!.fence).toBe(2);
    const before = await get(m.id);
    for (const [name, args] of [
      ['mission_transition', { id: m.id, agentId: 'agent-dev-2', status: 'review', fence: 1 }],
      ['mission_release', { id: m.id, agentId: 'agent-dev-2', fence: 1 }],
      ['mission_fail', { id: m.id, agentId: 'agent-dev-2', reason: 'late', fence: 1 }],
      ['mission_comment', { missionId: m.id, authorId: 'agent-dev-2', body: 'late', fence: 1 }],
    ] as const) {
      expect(await s.fail(name, { realmId, ...args }), name).toMatchObject({ code: 'conflict', details: { fence: 2 } });
    }
    expect(await get(m.id)).toEqual(before);
    // The current fence works, and leaving active ends the lease.
    const review = await s.call<M>('mission_transition', { realmId, id: m.id, agentId: 'agent-dev-2', status: 'review', fence: 2 });
    expect(review).toMatchObject({ status: 'review', leaseExpiresAt: null });
  });

  it('leaves the leases of a suspended realm alone, and gives them a full term when it is active again', async () => {
    const m = await create();
    await heartbeat('agent-dev-2');
    await claim('agent-dev-2');
    await s.call('realm_update', { id: realmId, status: 'suspended' });
    clock.advance(91_000);
    expect(await s.app.leaseSweep!.sweep()).toBe(0);
    expect((await get(m.id)).status).toBe('active');
    // The holder could not renew while every call was refused: resuming restarts its lease.
    await s.call('realm_update', { id: realmId, status: 'active' });
    expect(await s.app.leaseSweep!.sweep()).toBe(0);
    expect(await get(m.id)).toMatchObject({ status: 'active', attempts: 0, leaseExpiresAt: new Date(clock.now().getTime() + 90_000).toISOString() });
    clock.advance(91_000);
    expect(await s.app.leaseSweep!.sweep()).toBe(1);
    expect((await get(m.id)).status).toBe('queued');
  });

  it('refuses settings under which a healthy holder would lose its lease, and changes nothing', async () => {
    const before = (await s.call('realm_get', { id: realmId })).fleet;
    for (const [fleet, field] of [
      [{ leaseSecs: 30 }, 'fleet.leaseSecs'],
      [{ heartbeatIntervalSecs: 120 }, 'fleet.leaseSecs'],
      [{ heartbeatTimeoutSecs: 20 }, 'fleet.heartbeatTimeoutSecs'],
      [{ retryBaseSecs: 7200 }, 'fleet.retryMaxSecs'],
    ] as const) {
      expect(await s.fail('realm_update', { id: realmId, fleet }), field).toMatchObject({ code: 'invalid_input', details: { field } });
    }
    expect((await s.call('realm_get', { id: realmId })).fleet).toEqual(before);
    expect((await s.fail('realm_create', { name: 'x', owner: 'o', fleet: { leaseSecs: 10 } })).details).toMatchObject({ field: 'fleet.leaseSecs' });
  });

  it('checkout moves the fence; the holder checking out again gets the same one', async () => {
    const m = await create();
    const taken = await s.call<M>('mission_checkout', { realmId, id: m.id, agentId: 'agent-dev-1' });
    expect(taken.fence).toBe(1);
    expect((await s.call<M>('mission_checkout', { realmId, id: m.id, agentId: 'agent-dev-1' })).fence).toBe(1);
    await s.call('mission_release', { realmId, id: m.id, agentId: 'agent-dev-1', fence: 1 });
    expect((await s.call<M>('mission_checkout', { realmId, id: m.id, agentId: 'agent-dev-2' })).fence).toBe(2);
  });
});

describe('mission_queue', () => {
  it('counts by column and priority, the oldest wait, and agents by liveness', async () => {
    await create({ priority: 'high' });
    clock.advance(5000);
    await create({ priority: 'high' });
    await create({ priority: 'low' });
    const held = await create({ priority: 'critical' });
    await s.call('mission_checkout', { realmId, id: held.id, agentId: 'agent-dev-1' });
    await heartbeat('agent-dev-2');
    await heartbeat('agent-dev-3', 'draining');
    clock.advance(10_000);
    const q = await s.call('mission_queue', { realmId });
    expect(q.missions.queued).toEqual({ total: 3, byPriority: { critical: 0, high: 2, normal: 0, low: 1 } });
    expect(q.missions.active).toEqual({ total: 1, byPriority: { critical: 1, high: 0, normal: 0, low: 0 } });
    expect(q.missions.failed.total).toBe(0);
    expect(q.oldestWaitingSecs).toBe(15);
    expect(q.agents).toMatchObject({ ready: 1, draining: 1, silent: 5, offline: 0 });
  });
});
