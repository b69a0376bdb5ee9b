// A pulse run whose bridge run was lost with its server process: the tick that started it waited in that
// process, so nothing else ends it, and left running it would count as the agent's run in progress (every
// later tick skipped as overlap, pulse_invoke refused) for good.
import { appendAudit } from '../audit/chain.js';
import type { Run } from '../bridge/model.js';
import { isoNow } from '../clock.js';
import type { DomainContext } from '../context.js';
import { systemPrincipal } from '../principal.js';
import type { Step, Tx } from '../store.js';
import { DEFAULT_RETRY_BASE_MS, retryDelayMs } from './tick.js';

/**
 * Ends the pulse run waiting on `lost` as its tick would have: a failed attempt (error process_lost), retried
 * while the pulse allows, else dead (a manual one just failed). Runs in the unit of work that marks the bridge run lost, so neither is
 * left without the other. Returns the pulse run's id, or null when the bridge run was no pulse's.
 */
export function* endLostPulseRun(tx: Tx, ctx: Pick<DomainContext, 'clock'>, lost: Run): Step<string | null> {
  const { realmId, agentId } = lost;
  if (!realmId) return null;
  const pulseRun = (yield* tx.pulses.runningFor(realmId, agentId)).find((p) => p.bridgeRunId === lost.id);
  if (!pulseRun) return null;
  const config = yield* tx.pulses.config(realmId, agentId);
  // As tick.ts ends them: a manual pulse_invoke is never retried nor a dead letter; it failed.
  const scheduled = pulseRun.source !== 'manual';
  const retry = scheduled && config !== null && pulseRun.attempt <= config.maxRetries;
  const status = retry || !scheduled ? ('failed' as const) : ('dead' as const);
  const delay = retryDelayMs(pulseRun.attempt, DEFAULT_RETRY_BASE_MS, Math.random);
  yield* tx.pulses.updateRun(pulseRun.id, {
    status,
    error: 'process_lost',
    finishedAt: isoNow(ctx.clock),
    nextAttemptAt: retry ? new Date(ctx.clock.now().getTime() + delay).toISOString() : null,
  });
  yield* appendAudit(tx, ctx.clock, {
    realmId, actor: systemPrincipal, action: 'pulse_run_finished', entityType: 'pulse', entityId: agentId,
    details: { runId: pulseRun.id, status, attempt: pulseRun.attempt, error: 'process_lost' },
  });
  tx.announce({ topic: 'pulse.run', realmId, payload: { agentId, runId: pulseRun.id, status } });
  return pulseRun.id;
}
