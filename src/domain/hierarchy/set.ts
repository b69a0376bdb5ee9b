import { appendAudit } from '../audit/chain.js';
import { requireRuntimeFor } from '../bridge/guards.js';
import { isoNow } from '../clock.js';
import type { DomainContext } from '../context.js';
import { DomainError, invalidInput } from '../errors.js';
import { namesAPerson, NOT_A_PERSON } from '../principal.js';
import { requireWritableRealm } from '../realm/guards.js';
import type { Step, Tx } from '../store.js';
import { casOrConflict, checkUpsertVersion, givenFields } from '../versions.js';
import { requireNode } from './guards.js';
import type { SetNode } from './inputs.js';
import { type Node, silentNode } from './model.js';
import { loopThrough } from './org.js';

/** Upserts a node. Omitted fields keep their value; status never changes here. */
export function setNode(ctx: DomainContext, input: SetNode): Promise<Node> {
  return ctx.store.write((tx) => placeNode(tx, ctx, input));
}

/** The upsert as a step, so that an approved hire_agent proposal can run it inside its own transaction. */
export function* placeNode(tx: Tx, ctx: DomainContext, input: SetNode): Step<Node> {
  const realm = yield* requireWritableRealm(tx, input.realmId);
  const existing = yield* tx.nodes.get(input.realmId, input.agentId);
  checkUpsertVersion('agent', input.agentId, existing, input.expectedVersion);
  if (existing) {
    if (existing.status === 'terminated') {
      throw new DomainError('conflict', `agent ${input.agentId} is terminated: remove it with hierarchy_remove to reuse the id`, {
        agentId: input.agentId,
        status: existing.status,
        currentVersion: existing.version,
      });
    }
  }

  // Also here, not only in the input schemas: an approved proposal carries out the payload as it is stored.
  if (!existing && namesAPerson(input.agentId)) throw invalidInput('agentId', NOT_A_PERSON);
  if (input.reportsTo) yield* checkManager(tx, input.realmId, input.agentId, input.reportsTo);
  if (input.runtimeId) yield* requireRuntimeFor(tx, input.realmId, input.runtimeId);

  const now = isoNow(ctx.clock);
  let node: Node;
  if (existing) {
    const patch = givenFields(input, ['reportsTo', 'title', 'capabilities', 'rank', 'runtimeId']);
    node = casOrConflict(
      yield* tx.nodes.update(input.realmId, input.agentId, existing.version, { ...patch, updatedAt: now }),
      'agent', input.agentId, existing,
    );
  } else {
    // Counted, then inserted: concurrent additions to the realm take turns (or two could fill the last place).
    if (realm.maxAgents !== null) yield* tx.realms.lock(realm.id);
    if (realm.maxAgents !== null && (yield* tx.nodes.countLive(realm.id)) >= realm.maxAgents) {
      throw new DomainError('conflict', `realm ${realm.id} already has its maximum of ${realm.maxAgents} agents`, {
        maxAgents: realm.maxAgents,
      });
    }
    node = {
      agentId: input.agentId,
      realmId: input.realmId,
      reportsTo: input.reportsTo ?? null,
      title: input.title ?? null,
      capabilities: input.capabilities ?? [],
      rank: input.rank ?? 0,
      status: 'active',
      runtimeId: input.runtimeId ?? null,
      ...silentNode,
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    yield* tx.nodes.insert(node);
  }
  yield* appendAudit(tx, ctx.clock, {
    realmId: input.realmId,
    actor: ctx.principal,
    action: existing ? 'updated' : 'created',
    entityType: 'agent',
    entityId: input.agentId,
    details: { reportsTo: node.reportsTo, title: node.title, rank: node.rank, capabilities: node.capabilities },
  });
  tx.announce({ topic: 'hierarchy.changed', realmId: input.realmId, payload: { agentId: input.agentId, event: existing ? 'updated' : 'created' } });
  return node;
}

function* checkManager(tx: Tx, realmId: string, agentId: string, managerId: string): Step<void> {
  if (managerId === agentId) {
    throw new DomainError('cycle_detected', `agent ${agentId} cannot report to itself`, { loop: [agentId, agentId] });
  }
  const manager = yield* requireNode(tx, realmId, managerId, 'reportsTo');
  if (manager.status === 'terminated') throw invalidInput('reportsTo', `agent ${managerId} is terminated and cannot manage anyone`);
  const loop = loopThrough(agentId, managerId, yield* tx.nodes.chain(realmId, managerId));
  if (loop) throw new DomainError('cycle_detected', `reporting to ${managerId} would make a loop: ${loop.join(' -> ')}`, { loop });
}
