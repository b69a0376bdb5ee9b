// A pulse run lost with its server process: the tick that started it waited in that process, so only the
// liveness sweep of another process can end it. Left running, every later tick of the agent would be skipped as
// overlap (and pulse_invoke refused as conflict) for good.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { connect } from '../helpers/connect.js';
import { fakeCommand, hanging, stateDir } from '../helpers/fakes.js';
import { spawnServer, tempDb } from '../helpers/processes.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// How the run was started, and how it must end: a tick with no retries left is a dead letter; a manual
// pulse_invoke is never retried nor a dead letter, it just failed (as tick.ts ends it).
const starts = [
  { how: 'a tick', tool: 'pulse_tick', args: {}, ends: 'dead' },
  { how: 'pulse_invoke', tool: 'pulse_invoke', args: { wait: true }, ends: 'failed' },
] as const;

describe.each(starts)('a pulse run whose process died, started by $how', ({ tool, args, ends }) => {
  it(`is ended with its bridge run (${ends}, error process_lost, no retry), and the agent can be woken again`, async () => {
    const db = tempDb();
    const state = stateDir();
    const doomed = await spawnServer(db);
    const realmId = (await doomed.call('realm_create', { name: 'r', owner: 'o' })).id;
    await doomed.call('hierarchy_set', { realmId, agentId: 'agent-a' });
    const runtime = await doomed.call('bridge_register', { kind: 'process', name: 'p', command: fakeCommand.process, realmId, envVars: { FAKE_STATE: state, FAKE_SCENARIO: 'hang' } });
    // Once a year: the scheduler stays out of it; the run is asked for by hand. Retries would be allowed: a
    // manual run still gets none.
    await doomed.call('pulse_register', { realmId, agentId: 'agent-a', cron: '0 0 1 1 *', runtimeId: runtime.id, skipWhenIdle: false, maxRetries: tool === 'pulse_tick' ? 0 : 3 });
    void doomed.client.callTool({ name: tool, arguments: { realmId, agentId: 'agent-a', ...args } }).catch(() => {});
    await hanging(state);
    process.kill(doomed.pid!, 'SIGKILL');

    const sweeper = createApp({ db, logger: pino({ level: 'silent' }), heartbeatMs: 100, staleMs: 3000, graceMs: 200 });
    const s = await connect({ app: sweeper });
    let status = await s.call('pulse_status', { realmId, agentId: 'agent-a' });
    for (let i = 0; i < 150 && status.recentRuns[0]?.status === 'running'; i++) {
      await sleep(100);
      status = await s.call('pulse_status', { realmId, agentId: 'agent-a' });
    }
    const [lost] = status.recentRuns;
    expect(lost).toMatchObject({ status: ends, error: 'process_lost', nextAttemptAt: null });
    expect(await s.call('bridge_run', { runId: lost.bridgeRunId })).toMatchObject({ status: 'failed', error: 'process_lost' });
    const [finished] = (await s.call('council_activity_log', { realmId, action: 'pulse_run_finished' })).entries;
    expect(finished).toMatchObject({ entityId: 'agent-a', actorKind: 'system', details: { runId: lost.id, status: ends, error: 'process_lost' } });

    // Nothing is still going: the agent is woken again rather than refused (a run still going: conflict).
    const again = await s.call('pulse_invoke', { realmId, agentId: 'agent-a' });
    expect(again).toMatchObject({ status: 'running' });
    expect(again.id).not.toBe(lost.id);
    await s.client.close();
    await sweeper.close();
  }, 60_000);
});
