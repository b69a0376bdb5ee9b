import { appendAudit } from '../audit/chain.js';
import { isoNow } from '../clock.js';
import type { DomainContext } from '../context.js';
import { DomainError, invalidInput } from '../errors.js';
import { requireWritableRealm } from '../realm/guards.js';
import { casOrConflict } from '../versions.js';
import { agentDeparts } from './departure.js';
import { requireNode } from './guards.js';
import type { RemoveNode } from './inputs.js';

/**
 * Removes an agent without leaving orphans: its direct reports move to `reassignTo` (default: its manager,
 * or they become roots), its unfinished missions go back to the queue, and goals it owned lose their owner.
 */
export function removeNode(ctx: DomainContext, input: RemoveNode) {
  return ctx.store.write(function* (tx) {
    yield* requireWritableRealm(tx, input.realmId);
    const removed = yield* requireNode(tx, input.realmId, input.agentId);
    let newManager = removed.reportsTo;
    if (input.reassignTo !== undefined) {
      // Inside the removed agent's subtree means the removed agent is on reassignTo's way up.
      const inside = (yield* tx.nodes.chain(input.realmId, input.reassignTo)).some((n) => n.agentId === removed.agentId);
      if (inside) {
        throw new DomainError('cycle_detected', `${input.reassignTo} is inside the subtree being re-parented`, {
          loop: [input.reassignTo, removed.agentId],
        });
      }
      const target = yield* requireNode(tx, input.realmId, input.reassignTo, 'reassignTo');
      if (target.status === 'terminated') throw invalidInput('reassignTo', `agent ${target.agentId} is terminated and cannot manage anyone`);
      newManager = target.agentId;
    }
    const now = isoNow(ctx.clock);

    const reparented: string[] = [];
    for (const report of yield* tx.nodes.reports(input.realmId, removed.agentId)) {
      casOrConflict(
        yield* tx.nodes.update(input.realmId, report.agentId, report.version, { reportsTo: newManager, updatedAt: now }),
        'agent', report.agentId, report,
      );
      yield* appendAudit(tx, ctx.clock, {
        realmId: input.realmId,
        actor: ctx.principal,
        action: 'updated',
        entityType: 'agent',
        entityId: report.agentId,
        details: { reportsTo: newManager, reason: `manager ${removed.agentId} removed` },
      });
      reparented.push(report.agentId);
    }

    const { releasedMissions } = yield* agentDeparts(tx, ctx, input.realmId, removed.agentId, ctx.principal, `agent ${removed.agentId} removed`, 'delete');
    // Its spend stays; its budget goes.
    yield* tx.ledger.deleteBudget(input.realmId, removed.agentId);

    for (const directive of yield* tx.directives.ownedBy(input.realmId, removed.agentId)) {
      casOrConflict(
        yield* tx.directives.update(input.realmId, directive.id, directive.version, { ownerAgentId: null, updatedAt: now }),
        'directive', directive.id, directive,
      );
      yield* appendAudit(tx, ctx.clock, {
        realmId: input.realmId,
        actor: ctx.principal,
        action: 'updated',
        entityType: 'directive',
        entityId: directive.id,
        details: { fields: ['ownerAgentId'], reason: `owner ${removed.agentId} removed` },
      });
    }

    yield* tx.nodes.delete(input.realmId, removed.agentId);
    yield* appendAudit(tx, ctx.clock, {
      realmId: input.realmId,
      actor: ctx.principal,
      action: 'deleted',
      entityType: 'agent',
      entityId: removed.agentId,
      details: { reparentedTo: newManager, reparented, releasedMissions },
    });
    tx.announce({ topic: 'hierarchy.changed', realmId: input.realmId, payload: { agentId: removed.agentId, event: 'removed' } });
    return { removed, reparented, releasedMissions };
  });
}
