// Issue 14: a per-second pulse registered on all three instances (real stdio processes on one PostgreSQL
// database) fires exactly once per scheduled second over 30 s: every second's slot is claimed once, by
// whichever instance leads, and no second starts two runs. The runtime is a process that does nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nameOf, startCluster, type Cluster } from '../helpers/cluster.js';

const WINDOW_S = 30;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const second = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString();

let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster(['stdio', 'stdio', 'stdio']);
}, 120_000);
afterAll(async () => {
  await cluster?.close();
});

describe('a per-second pulse on three instances', () => {
  it('fires exactly once per second over 30 s, whichever instances registered it', async () => {
    const [a, b, c] = cluster.instances as [typeof cluster.instances[0], typeof cluster.instances[0], typeof cluster.instances[0]];
    // The runaway guards would stop an agent woken every second after 90 runs an hour: raised for this realm.
    const realmId = (await a.call('realm_create', {
      name: 'pulses', owner: 'o',
      fleet: { agent: { runsPerHour: 100_000, concurrentRuns: 10 }, runtime: { runsPerHour: 100_000, concurrentRuns: 50 }, realm: { runsPerHour: 100_000, concurrentRuns: 50 } },
    })).id;
    const runtimeId = (await b.call('bridge_register', { kind: 'process', name: 'nothing', command: '/bin/true', realmId })).id;
    // agent-0..2: each registered by one instance; agent-all: by all three at once (an upsert of one pulse).
    const agents = ['agent-0', 'agent-1', 'agent-2', 'agent-all'];
    for (const agentId of agents) await c.call('hierarchy_set', { realmId, agentId });
    const pulse = (agentId: string) => ({ realmId, agentId, cron: '* * * * * *', runtimeId, skipWhenIdle: false, maxRetries: 0 });
    await Promise.all([
      ...cluster.instances.map((instance, i) => instance.call('pulse_register', pulse(`agent-${i}`))),
      ...cluster.instances.map((instance) => instance.call('pulse_register', pulse('agent-all'))),
    ]);

    // The window starts on the next whole second after the leader has had time to load the schedules.
    await sleep(3000);
    const from = Math.ceil(Date.now() / 1000) * 1000;
    await sleep(from + WINDOW_S * 1000 - Date.now());
    const to = from + WINDOW_S * 1000;
    for (const agentId of agents) await a.call('pulse_toggle', { realmId, agentId, enabled: false });
    // The last runs end (a run of /bin/true takes milliseconds; a loaded machine, much longer).
    await sleep(3000);

    const window = [second(from), second(to)];
    const slots = await cluster.sql<{ agent_id: string; scheduled_for: string; claimed_by: string }>(
      'SELECT agent_id, scheduled_for, claimed_by FROM pulse_slots WHERE realm_id = $1 AND scheduled_for >= $2 AND scheduled_for < $3 ORDER BY scheduled_for',
      [realmId, ...window],
    );
    const runs = await cluster.sql<{ agent_id: string; scheduled_for: string; status: string; bridge_run_id: string }>(
      'SELECT agent_id, scheduled_for, status, bridge_run_id FROM pulse_runs WHERE realm_id = $1 AND scheduled_for >= $2 AND scheduled_for < $3',
      [realmId, ...window],
    );
    const instances = await cluster.sql<{ id: string }>('SELECT id FROM instances');
    const expected = Array.from({ length: WINDOW_S }, (_, s) => second(from + s * 1000));
    const report: string[] = [];
    for (const agentId of agents) {
      // Every second of the window claimed, once.
      const mine = slots.filter((s) => s.agent_id === agentId);
      expect(mine.map((s) => s.scheduled_for), `${agentId}'s slots`).toEqual(expected);
      // No second started two runs, and every run of a slot ran once to its end.
      const started = runs.filter((r) => r.agent_id === agentId);
      expect(new Set(started.map((r) => r.scheduled_for)).size, `${agentId}: a second with two runs`).toBe(started.length);
      expect(new Set(started.map((r) => r.bridge_run_id)).size).toBe(started.length);
      expect(started.filter((r) => r.status !== 'completed'), `${agentId}'s runs that did not complete`).toEqual([]);
      // A slot without a run was skipped (the previous second's run still going): counted, never fired twice.
      expect(started.length).toBeGreaterThan(0);
      report.push(`${agentId}: ${mine.length} slots, ${started.length} runs`);
    }
    // The slots were claimed by live instances of this cluster (by whichever led at the time).
    const claimers = new Set(slots.map((s) => s.claimed_by));
    for (const id of claimers) expect(instances.map((i) => i.id)).toContain(id);
    const bridgeRuns = await cluster.sql<{ n: string }>('SELECT count(*) AS n FROM bridge_runs WHERE realm_id = $1 AND id = ANY($2)', [realmId, runs.map((r) => r.bridge_run_id)]);
    expect(Number(bridgeRuns[0]!.n)).toBe(runs.length);
    expect(await b.call('council_verify', { realmId })).toMatchObject({ valid: true });
    console.log(`pulse over ${WINDOW_S} s on ${cluster.instances.map((i) => nameOf(i.index)).join(', ')}: ${report.join('; ')}; claimed by ${claimers.size} instance(s)`);
  }, 120_000);
});
