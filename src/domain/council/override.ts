import { appendAudit } from '../audit/chain.js';
import { isoNow } from '../clock.js';
import type { DomainContext } from '../context.js';
import { DomainError } from '../errors.js';
import { agentDeparts } from '../hierarchy/departure.js';
import { requireNode } from '../hierarchy/guards.js';
import type { Node, NodeStatus } from '../hierarchy/model.js';
import { actorFrom, type Actor } from '../principal.js';
import { requireWritableRealm } from '../realm/guards.js';
import type { Step, Tx } from '../store.js';
import { casOrConflict, checkVersion } from '../versions.js';
import type { Override } from './inputs.js';

// Which statuses each override acts on, and what it leaves. A terminated agent is final.
const overrides = {
  pause: { from: ['active'], to: 'paused' },
  resume: { from: ['paused'], to: 'active' },
  terminate: { from: ['active', 'paused'], to: 'terminated' },
} as const satisfies Record<Override['action'], { from: readonly NodeStatus[]; to: NodeStatus }>;

export interface OverrideResult {
  node: Node;
  releasedMissions: string[];
  cancelledRuns: string[];
}

export function overrideAgent(ctx: DomainContext, input: Override): Promise<OverrideResult> {
  return ctx.store.write((tx) => overrideStep(tx, ctx, input));
}

/** An override as a step: an approved terminate_agent proposal runs it inside its own transaction. */
export function* overrideStep(
  tx: Tx,
  ctx: DomainContext,
  input: Override,
  // An approved proposal acts as its decider, who may be an agent; operatorId otherwise names a person.
  decided: { proposalId: string; actor: Actor } | null = null,
): Step<OverrideResult> {
  yield* requireWritableRealm(tx, input.realmId);
  const node = yield* requireNode(tx, input.realmId, input.targetAgentId, 'targetAgentId');
  checkVersion('agent', node.agentId, node, input.expectedVersion);
  const move = overrides[input.action];
  if (!(move.from as readonly NodeStatus[]).includes(node.status)) {
    const allowed = Object.entries(overrides).filter(([, m]) => (m.from as readonly NodeStatus[]).includes(node.status)).map(([a]) => a);
    throw new DomainError('invalid_transition', `agent ${node.agentId} is ${node.status}: it cannot be ${move.to === 'active' ? 'resumed' : move.to}`, {
      from: node.status,
      action: input.action,
      allowed,
    });
  }
  const actor = decided?.actor ?? actorFrom(ctx.principal, input.operatorId, 'human');
  const updated = casOrConflict(
    yield* tx.nodes.update(input.realmId, node.agentId, node.version, { status: move.to, updatedAt: isoNow(ctx.clock) }),
    'agent', node.agentId, node,
  );
  yield* appendAudit(tx, ctx.clock, {
    realmId: input.realmId,
    actor,
    action: `override_${input.action}`,
    entityType: 'agent',
    entityId: node.agentId,
    details: { from: node.status, to: move.to, reason: input.reason },
  });
  tx.announce({ topic: 'council.override', realmId: input.realmId, payload: { agentId: node.agentId, action: input.action } });
  tx.announce({ topic: 'hierarchy.changed', realmId: input.realmId, payload: { agentId: node.agentId, event: input.action } });
  // Pause leaves running work alone; terminate hands it back.
  const departure = input.action === 'terminate'
    ? yield* agentDeparts(tx, ctx, input.realmId, node.agentId, actor, `agent ${node.agentId} terminated: ${input.reason}`, 'disable', decided?.proposalId ?? null)
    : { releasedMissions: [], cancelledRuns: [] };
  return { node: updated, releasedMissions: departure.releasedMissions, cancelledRuns: departure.cancelledRuns };
}
