import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { connect } from '../helpers/connect.js';
import { alive, fakeCommand, hangPids, hanging, stateDir } from '../helpers/fakes.js';
import { spawnServer, tempDb } from '../helpers/processes.js';

const silent = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('runs whose owner process died', () => {
  it('are marked failed (process_lost) and their process groups stopped; a live owner\'s runs are left alone', async () => {
    const db = tempDb();
    const deadState = stateDir();
    const liveState = stateDir();

    // A server process starts a long run, then dies without a chance to clean up.
    const doomed = await spawnServer(db);
    const realmId = (await doomed.call('realm_create', { name: 'r', owner: 'o' })).id;
    await doomed.call('hierarchy_set', { realmId, agentId: 'agent-a' });
    const hangingRuntime = (stateDir: string) => ({ kind: 'process', name: 'p', command: fakeCommand.process, realmId, envVars: { FAKE_STATE: stateDir, FAKE_SCENARIO: 'hang' } });
    const doomedRuntime = await doomed.call('bridge_register', hangingRuntime(deadState));
    const lostRun = await doomed.call('bridge_invoke', { runtimeId: doomedRuntime.id, agentId: 'agent-a', context: {} });
    const orphanPids = await hanging(deadState);
    process.kill(doomed.pid!, 'SIGKILL');

    // A live process with its own running run, beating often.
    // A staleness window of 3 s (30 beats): on a loaded 2-core machine a 1 s window was missed by the live owner's
    // own timer, and its run was taken for lost.
    const live = createApp({ db, logger: silent, heartbeatMs: 100, staleMs: 3000, graceMs: 200 });
    const liveSession = await connect({ app: live });
    const liveRuntime = await liveSession.call('bridge_register', hangingRuntime(liveState));
    const liveRun = await liveSession.call('bridge_invoke', { runtimeId: liveRuntime.id, agentId: 'agent-a', context: {} });

    // The sweeper: another process that notices the dead owner.
    const sweeper = createApp({ db, logger: silent, heartbeatMs: 100, staleMs: 3000 });
    const watcher = await connect({ app: sweeper });
    let lost = await watcher.call('bridge_run', { runId: lostRun.id });
    for (let i = 0; i < 150 && lost.status === 'running'; i++) {
      await sleep(100);
      lost = await watcher.call('bridge_run', { runId: lostRun.id });
    }
    expect(lost).toMatchObject({ status: 'failed', error: 'process_lost' });
    expect(alive(orphanPids.parent)).toBe(false);
    expect(alive(orphanPids.grandchild)).toBe(false);
    const [entry] = (await watcher.call('council_activity_log', { realmId, action: 'run_lost' })).entries;
    expect(entry).toMatchObject({ entityId: lostRun.id, actorKind: 'system' });

    // The live owner's run was not touched, though it is older than the staleness window.
    await sleep(3200);
    expect((await watcher.call('bridge_run', { runId: liveRun.id })).status).toBe('running');
    expect((await watcher.call('council_activity_log', { realmId, action: 'run_lost' })).count).toBe(1);

    await liveSession.client.close();
    await live.close(); // a graceful close cancels its runs
    expect((await watcher.call('bridge_run', { runId: liveRun.id })).status).toBe('cancelled');
    expect(alive(hangPids(liveState).parent)).toBe(false);
    await watcher.client.close();
    await sweeper.close();
  });
});
