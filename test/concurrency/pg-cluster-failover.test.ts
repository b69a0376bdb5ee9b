// Issue 14: the scheduler leader of three instances (real stdio processes on one PostgreSQL database) is frozen
// (SIGSTOP) for longer than its lease, so another instance takes the lease over and fires the per-second pulse;
// then it is thawed (SIGCONT) and, until its next renewal tells it otherwise, believes it still leads. Two
// schedulers firing the same seconds: each second must still start one run at most, because each slot is claimed
// in the database; and the pulse keeps every second from the takeover on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, until, type Cluster, type Instance } from '../helpers/cluster.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const second = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString();
/** The whole seconds strictly between two times. */
const secondsBetween = (from: number, to: number) => {
  const out: string[] = [];
  for (let t = Math.floor(from / 1000) * 1000 + 1000; t < Math.floor(to / 1000) * 1000; t += 1000) out.push(second(t));
  return out;
};

let cluster: Cluster;
let holder: () => Promise<string | null>;
beforeAll(async () => {
  // The first instance starts alone and leads; the other two join.
  cluster = await startCluster(['stdio']);
  holder = async () => (await cluster.sql<{ pid: number }>("SELECT i.pid FROM leases l JOIN instances i ON i.id = l.holder WHERE l.name = 'pulse-scheduler' AND l.expires_at > $1", [new Date().toISOString()]))[0]?.pid?.toString() ?? null;
  if (!(await until(async () => (await holder()) === String(cluster.instances[0]!.pid), 20_000))) throw new Error('the first instance never led');
  await Promise.all([cluster.add('stdio'), cluster.add('stdio')]);
}, 120_000);
afterAll(async () => {
  // A test that failed half-way may leave the leader stopped: it must be able to exit.
  for (const i of cluster?.instances ?? []) {
    try {
      process.kill(i.pid, 'SIGCONT');
    } catch {}
  }
  await cluster?.close();
}, 60_000);

describe('a frozen scheduler leader that comes back', () => {
  it('never makes a second fire twice, and the pulse keeps every second from the takeover on', async () => {
    const [old, b] = cluster.instances as [Instance, Instance, Instance];
    const realmId = (await b.call('realm_create', {
      name: 'failover', owner: 'o',
      fleet: { agent: { runsPerHour: 100_000, concurrentRuns: 10 }, runtime: { runsPerHour: 100_000, concurrentRuns: 50 }, realm: { runsPerHour: 100_000, concurrentRuns: 50 } },
    })).id;
    const runtimeId = (await b.call('bridge_register', { kind: 'process', name: 'nothing', command: '/bin/true', realmId })).id;
    await b.call('hierarchy_set', { realmId, agentId: 'agent-f' });
    await b.call('pulse_register', { realmId, agentId: 'agent-f', cron: '* * * * * *', runtimeId, skipWhenIdle: false, maxRetries: 0 });
    await sleep(3000);
    const start = Date.now();
    await sleep(4000);

    process.kill(old.pid, 'SIGSTOP');
    const frozenAt = Date.now();
    expect(await until(async () => { const h = await holder(); return h !== null && h !== String(old.pid); }, 45_000, 200), 'nobody took the lease over').toBe(true);
    const tookOverAt = Date.now();
    const newPid = Number(await holder());
    await sleep(3000);
    process.kill(old.pid, 'SIGCONT');
    const thawedAt = Date.now();
    // The thawed process fires what its timers owed, renews, finds the lease taken and stops its schedules.
    await sleep(6000);
    const end = Date.now();
    await b.call('pulse_toggle', { realmId, agentId: 'agent-f', enabled: false });
    await sleep(2000);

    const slots = await cluster.sql<{ scheduled_for: string; claimed_by: string }>(
      "SELECT scheduled_for, claimed_by FROM pulse_slots WHERE realm_id = $1 AND agent_id = 'agent-f' ORDER BY scheduled_for", [realmId],
    );
    const runs = await cluster.sql<{ scheduled_for: string; bridge_run_id: string; status: string }>(
      "SELECT scheduled_for, bridge_run_id, status FROM pulse_runs WHERE realm_id = $1 AND agent_id = 'agent-f' AND scheduled_for IS NOT NULL", [realmId],
    );
    const ids = new Map((await cluster.sql<{ id: string; pid: number }>('SELECT id, pid FROM instances')).map((r) => [r.id, r.pid]));
    const claimedBy = (s: string) => ids.get(slots.find((x) => x.scheduled_for === s)?.claimed_by ?? '');

    // No second started two runs, whoever believed it led.
    expect(new Set(runs.map((r) => r.scheduled_for)).size).toBe(runs.length);
    expect(new Set(runs.map((r) => r.bridge_run_id)).size).toBe(runs.length);
    const claimed = new Set(slots.map((s) => s.scheduled_for));
    // Every second before the freeze, by the old leader; every second from the takeover on (through the thaw),
    // by the new one. In between, nobody could fire: the frozen process held the lease.
    for (const s of secondsBetween(start, frozenAt)) expect(claimedBy(s), `${s} before the freeze`).toBe(old.pid);
    const after = secondsBetween(tookOverAt + 1000, end);
    expect(after.filter((s) => !claimed.has(s)), 'seconds missed after the takeover').toEqual([]);
    // Thawed, the old leader fires nothing: its lease ran out while it was frozen, so it asks for the lease
    // before firing, finds it taken and steps down (src/scheduler/scheduler.ts, holdsLease).
    const late = slots.filter((s) => ids.get(s.claimed_by) === old.pid && Date.parse(s.scheduled_for) >= tookOverAt - 1000);
    expect(late, 'seconds the thawed leader fired').toEqual([]);
    expect(after.filter((s) => claimedBy(s) !== newPid && claimedBy(s) !== old.pid)).toEqual([]);
    // The old leader stepped down and still serves.
    expect(await holder()).toBe(String(newPid));
    expect(await old.call('council_verify', { realmId })).toMatchObject({ valid: true });
    console.log(
      `froze the leader for ${thawedAt - frozenAt} ms; taken over after ${tookOverAt - frozenAt} ms; ${slots.length} slots, ${runs.length} runs, ` +
        'none fired by the thawed process, none twice',
    );
  }, 150_000);
});
