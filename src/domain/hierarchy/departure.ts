import { appendAudit } from '../audit/chain.js';
import { targetAgent } from '../council/payloads.js';
import type { DomainContext } from '../context.js';
import { isoNow } from '../clock.js';
import { requeueMission } from '../mission/requeue.js';
import type { Actor } from '../principal.js';
import type { Step, Tx } from '../store.js';
import { casOrConflict } from '../versions.js';

/**
 * What happens when an agent leaves the org (removed or terminated): its unfinished missions go back to the
 * queue, pending proposals about it are cancelled, its running runs are asked to stop (their owner process
 * stops them), and its pulse is disabled (terminate) or deleted (remove).
 */
export function* agentDeparts(
  tx: Tx,
  ctx: DomainContext,
  realmId: string,
  agentId: string,
  actor: Actor,
  reason: string,
  pulse: 'disable' | 'delete',
  /** A proposal being decided right now (a terminate_agent approval), which must not cancel itself. */
  decidingProposalId: string | null = null,
): Step<{ releasedMissions: string[]; cancelledProposals: string[]; cancelledRuns: string[] }> {
  const releasedMissions: string[] = [];
  for (const mission of yield* tx.missions.assignedTo(realmId, agentId, ['active', 'blocked', 'review'])) {
    yield* requeueMission(tx, ctx.clock, mission, actor, reason);
    releasedMissions.push(mission.id);
  }
  const cancelledProposals: string[] = [];
  for (const proposal of yield* tx.proposals.pending(realmId)) {
    if (proposal.id === decidingProposalId || targetAgent(proposal.kind, proposal.payload) !== agentId) continue;
    casOrConflict(
      yield* tx.proposals.update(realmId, proposal.id, proposal.version, { status: 'cancelled', decidedAt: isoNow(ctx.clock), decisionNote: reason }),
      'proposal', proposal.id, proposal,
    );
    yield* appendAudit(tx, ctx.clock, { realmId, actor, action: 'updated', entityType: 'proposal', entityId: proposal.id, details: { status: 'cancelled', reason } });
    tx.announce({ topic: 'council.proposal', realmId, payload: { proposalId: proposal.id, status: 'cancelled' } });
    cancelledProposals.push(proposal.id);
  }
  const cancelledRuns: string[] = [];
  for (const run of yield* tx.runs.runningFor(realmId, agentId)) {
    yield* tx.runs.requestCancel(run.id);
    cancelledRuns.push(run.id);
  }
  const config = yield* tx.pulses.config(realmId, agentId);
  if (config) {
    if (pulse === 'delete') yield* tx.pulses.deleteConfig(realmId, agentId);
    // Through casOrConflict: on PostgreSQL a pulse_toggle committed since the read makes the swap miss, and the
    // unit runs again on the row as it is (a miss left unchecked would leave the departed agent's pulse on).
    else if (config.enabled) {
      casOrConflict(yield* tx.pulses.updateConfig(realmId, agentId, config.version, { enabled: false, updatedAt: isoNow(ctx.clock) }), 'pulse', agentId, config);
    }
    tx.announce({ topic: 'pulse.changed', realmId, payload: { agentId } });
  }
  return { releasedMissions, cancelledProposals, cancelledRuns };
}
