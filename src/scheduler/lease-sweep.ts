// The mission lease sweep: every few seconds, the one process holding the `lease-sweep` process lease requeues
// missions whose holder stopped renewing (src/domain/mission/lease-expiry.ts). Any process may take the
// chore over when the holder dies: the lease row lapses and the next competitor gets it.
import type { Logger } from 'pino';
import type { Clock } from '../domain/clock.js';
import { systemPrincipal } from '../domain/principal.js';
import type { Store } from '../domain/store.js';
import { expireLeases } from '../domain/mission/lease-expiry.js';

const LEASE = 'lease-sweep';

export interface LeaseSweepOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  instanceId: string;
  /** Between sweeps (default 5 s); the process lease lasts three of them. */
  intervalMs?: number;
}

export function startLeaseSweep(options: LeaseSweepOptions) {
  const { store, clock, logger, instanceId } = options;
  const intervalMs = options.intervalMs ?? 5000;
  const ctx = { store, clock, principal: systemPrincipal };
  let running: Promise<number> | null = null;

  const pass = async () => {
    // Wall time for the process lease (shared with processes on other clocks); the domain clock for missions.
    const now = Date.now();
    const held = await store.write((tx) => tx.processes.lease(LEASE, instanceId, new Date(now).toISOString(), new Date(now + intervalMs * 3).toISOString()));
    if (!held) return 0;
    const expired = await expireLeases(ctx);
    if (expired) logger.info({ expired }, 'mission leases expired: missions requeued');
    return expired;
  };
  /** One sweep now (tests call it with an injected clock); overlapping calls share the running one. */
  const sweep = () => {
    running ??= pass()
      .catch((error) => {
        logger.warn({ err: error }, 'lease sweep failed');
        return 0;
      })
      .finally(() => (running = null));
    return running;
  };
  const timer = setInterval(() => void sweep(), intervalMs);
  timer.unref();
  return {
    sweep,
    async stop() {
      clearInterval(timer);
      await running;
      await store.write((tx) => tx.processes.releaseLease(LEASE, instanceId)).catch(() => {});
    },
  };
}
