import { BridgeExecutor } from './bridge/executor.js';
import { startLiveness } from './bridge/recovery.js';
import type { BackgroundParts, Core } from './app-core.js';
import { startLeaseSweep } from './scheduler/lease-sweep.js';
import { PulseScheduler } from './scheduler/scheduler.js';
import { catalogue } from './tools/catalogue.js';
import { toolName } from './tools/declaration.js';
import { holds } from './tools/permissions.js';

/**
 * The runner, the liveness sweep (which recovers the runs of dead processes) and the pulse scheduler. They
 * bring in the adapters, execa and croner's jobs, which answering tools/list does not need: the CLI imports
 * this module after its first answers.
 */
export function startBackground({ options, instanceId, store, clock, logger, bus, prices }: Core): BackgroundParts {
  // A read-only process neither runs agents nor recovers others' runs.
  const runner = options.readOnly
    ? null
    : new BridgeExecutor({
        store, clock, bus, logger, instanceId,
        prices,
        // A spawned agent's CLI may use exactly the tools its agent session is served.
        controlPlane: options.controlPlane
          ? { ...options.controlPlane, agentTools: catalogue.filter((d) => holds('agent', d.permission)).map((d) => toolName(d.id)) }
          : null,
        graceMs: options.graceMs,
      });
  const liveness = options.readOnly ? null : startLiveness({ store, clock, logger, instanceId, heartbeatMs: options.heartbeatMs, staleMs: options.staleMs });
  const scheduler =
    runner && (options.scheduler ?? true)
      ? new PulseScheduler({
          store, clock, bus, logger, instanceId, runner,
          leaseMs: options.leaseMs, renewMs: options.renewMs, retryPollMs: options.retryPollMs, retryBaseMs: options.retryBaseMs,
        })
      : null;
  void scheduler?.start();
  const leaseSweep = options.readOnly ? null : startLeaseSweep({ store, clock, logger, instanceId, intervalMs: options.leaseSweepMs });
  return {
    runner,
    scheduler,
    leaseSweep,
    async close(closeOptions = {}) {
      await leaseSweep?.stop();
      await scheduler?.close();
      await runner?.close(closeOptions);
      await liveness?.stop();
    },
  };
}
