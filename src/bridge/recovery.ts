import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { appendAudit } from '../domain/audit/chain.js';
import type { Run } from '../domain/bridge/model.js';
import { loseRun } from '../domain/bridge/runs.js';
import { isoNow, type Clock } from '../domain/clock.js';
import type { DomainContext } from '../domain/context.js';
import { retryDelayMs } from '../domain/pulse/tick.js';
import { systemPrincipal } from '../domain/principal.js';
import type { Store } from '../domain/store.js';
import { runMarker } from './environment.js';
import { stopLeftovers } from './process-group.js';

export interface LivenessOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  instanceId: string;
  /** How often this process beats and sweeps. */
  heartbeatMs?: number;
  /** A process whose last beat is older than this is gone. */
  staleMs?: number;
}

// Heartbeats compare times written by different processes, so they use the machine's clock, not the
// injectable one (which tests move for budgets and schedules).
const at = (ms = Date.now()) => new Date(ms).toISOString();

/** The first retry delay of a pulse attempt, as the scheduler's default (src/scheduler/scheduler.ts). */
const PULSE_RETRY_BASE_MS = 2000;

/**
 * Ends the pulse run waiting on a lost bridge run, as its tick would have: a failed attempt, retried while the
 * pulse allows, else dead. The tick that started it waited in the dead process, so nothing else ends it; left
 * running, it would count as the agent's run in progress and every later tick would be skipped as overlap.
 * Returns the pulse run's id, or null when the bridge run was no pulse's.
 */
function endPulseRunOf(ctx: DomainContext, lost: Run): Promise<string | null> {
  const { realmId, agentId } = lost;
  if (!realmId) return Promise.resolve(null);
  return ctx.store.write(function* (tx) {
    const pulseRun = (yield* tx.pulses.runningFor(realmId, agentId)).find((p) => p.bridgeRunId === lost.id);
    if (!pulseRun) return null;
    const config = yield* tx.pulses.config(realmId, agentId);
    const retry = config !== null && pulseRun.attempt <= config.maxRetries;
    const now = ctx.clock.now();
    const status = retry ? ('failed' as const) : ('dead' as const);
    yield* tx.pulses.updateRun(pulseRun.id, {
      status,
      error: 'process_lost',
      finishedAt: isoNow(ctx.clock),
      nextAttemptAt: retry ? new Date(now.getTime() + retryDelayMs(pulseRun.attempt, PULSE_RETRY_BASE_MS, Math.random)).toISOString() : null,
    });
    yield* appendAudit(tx, ctx.clock, {
      realmId, actor: systemPrincipal, action: 'pulse_run_finished', entityType: 'pulse', entityId: agentId,
      details: { runId: pulseRun.id, status, attempt: pulseRun.attempt, error: 'process_lost' },
    });
    tx.announce({ topic: 'pulse.run', realmId, payload: { agentId, runId: pulseRun.id, status } });
    return pulseRun.id;
  });
}

/**
 * Registers this process in the instances table and keeps its heartbeat; every beat it also looks for runs
 * whose owner has no fresh heartbeat, marks them failed (process_lost) exactly once, and stops what they left:
 * the process group (checking the leader's start time, so a reused pid is never signalled) and every process
 * carrying the run's marker.
 */
export function startLiveness(options: LivenessOptions) {
  const { store, logger, instanceId } = options;
  const heartbeatMs = options.heartbeatMs ?? 5000;
  const staleMs = options.staleMs ?? 15_000;
  const system = { store, clock: options.clock, principal: systemPrincipal };
  let sweeping = false;

  const sweep = async () => {
    if (sweeping) return;
    sweeping = true;
    try {
      await store.write((tx) => tx.processes.heartbeat(instanceId, at()));
      const live = await store.read((tx) => tx.processes.live(at(Date.now() - staleMs)));
      const orphans = await store.read((tx) => tx.runs.orphaned([...new Set([...live, instanceId])]));
      for (const run of orphans) {
        const process = await store.read((tx) => tx.runs.process(run.id));
        const stopped = stopLeftovers(process.pid, process.processStart, runMarker(run.id));
        const lost = await loseRun(system, run.id);
        if (!lost) continue;
        const pulseRun = await endPulseRunOf(system, lost);
        logger.warn({ runId: run.id, owner: run.ownerInstanceId, stoppedGroup: stopped, pulseRunId: pulseRun }, 'run lost with its owner process');
      }
    } catch (error) {
      logger.warn({ err: error }, 'liveness sweep failed');
    } finally {
      sweeping = false;
    }
  };

  const ready = store.write((tx) => tx.processes.register({ id: instanceId, pid: process.pid, host: hostname(), at: at() })).then(sweep);
  const timer = setInterval(() => void sweep(), heartbeatMs);
  timer.unref();
  return {
    ready,
    sweep,
    async stop() {
      clearInterval(timer);
      await store.write((tx) => tx.processes.remove(instanceId)).catch(() => {});
    },
  };
}
