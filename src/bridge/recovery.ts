import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { loseRun } from '../domain/bridge/runs.js';
import type { Clock } from '../domain/clock.js';
import { endLostPulseRun } from '../domain/pulse/lost-run.js';
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
        let pulseRun: string | null = null;
        const lost = await loseRun(system, run.id, function* (tx, lost) {
          pulseRun = yield* endLostPulseRun(tx, system, lost);
        });
        if (!lost) continue;
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
