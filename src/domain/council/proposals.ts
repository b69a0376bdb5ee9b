import { appendAudit } from '../audit/chain.js';
import { requireRuntimeFor } from '../bridge/guards.js';
import { isoNow } from '../clock.js';
import type { DomainContext } from '../context.js';
import { requireDirective } from '../directive/guards.js';
import { DomainError, notFound } from '../errors.js';
import { requireNode, requireStanding } from '../hierarchy/guards.js';
import { newId } from '../ids.js';
import { definedOnly, decodeCursor, toPage } from '../pagination.js';
import { actorFrom } from '../principal.js';
import { requireRealm, requireWritableRealm } from '../realm/guards.js';
import type { Step, Tx } from '../store.js';
import { parseOrThrow } from '../validation.js';
import { casOrConflict, checkVersion } from '../versions.js';
import { effects } from './effects.js';
import type { Decide, ListProposals, Submit } from './inputs.js';
import type { Proposal, ProposalKind } from './model.js';
import { payloadSchemas } from './payloads.js';

/** Checks a payload can take effect now, so that a proposal that could never be approved is refused early. */
const preflight: Partial<Record<ProposalKind, (tx: Tx, realmId: string, payload: Record<string, unknown>) => Step<void>>> = {
  *hire_agent(tx, realmId, payload) {
    const agentId = payload.agentId as string;
    if (yield* tx.nodes.get(realmId, agentId)) {
      throw new DomainError('conflict', `agent ${agentId} already exists in realm ${realmId}: a hire needs a free id`, { field: 'payload.agentId', agentId });
    }
    if (payload.reportsTo) yield* requireNode(tx, realmId, payload.reportsTo as string, 'payload.reportsTo');
    if (payload.runtimeId) yield* requireRuntimeFor(tx, realmId, payload.runtimeId as string, 'payload.runtimeId');
  },
  *terminate_agent(tx, realmId, payload) {
    const node = yield* requireNode(tx, realmId, payload.agentId as string, 'payload.agentId');
    if (node.status === 'terminated') throw new DomainError('invalid_transition', `agent ${node.agentId} is already terminated`, { from: 'terminated', allowed: [] });
  },
  *strategy_change(tx, realmId, payload) {
    yield* requireDirective(tx, realmId, payload.directiveId as string, 'payload.directiveId');
  },
};

export function submitProposal(ctx: DomainContext, input: Submit): Promise<Proposal> {
  const payload = parseOrThrow(payloadSchemas[input.kind], input.payload ?? {}, ['payload']);
  return ctx.store.write(function* (tx) {
    yield* requireWritableRealm(tx, input.realmId);
    yield* requireStanding(tx, ctx.principal, input.realmId);
    const canTakeEffect = preflight[input.kind];
    if (canTakeEffect) yield* canTakeEffect(tx, input.realmId, payload);
    const proposal: Proposal = {
      id: newId('prop'),
      realmId: input.realmId,
      kind: input.kind,
      status: 'pending',
      title: input.title,
      payload,
      requestedBy: input.requestedBy,
      decidedBy: null,
      decisionNote: null,
      decidedAt: null,
      effect: null,
      version: 1,
      createdAt: isoNow(ctx.clock),
    };
    yield* tx.proposals.insert(proposal);
    yield* appendAudit(tx, ctx.clock, {
      realmId: input.realmId,
      actor: actorFrom(ctx.principal, input.requestedBy),
      action: 'proposal_submitted',
      entityType: 'proposal',
      entityId: proposal.id,
      details: { kind: proposal.kind, title: proposal.title },
    });
    tx.announce({ topic: 'council.proposal', realmId: input.realmId, payload: { proposalId: proposal.id, status: 'pending' } });
    return proposal;
  });
}

/** Whom a proposal is about: the agent it targets, else the one who asked. */
const subjectOf = (proposal: Proposal) => {
  const target = (proposal.payload as { agentId?: unknown } | null)?.agentId;
  return proposal.kind !== 'hire_agent' && typeof target === 'string' ? target : proposal.requestedBy;
};

/**
 * Governance that holds: nobody decides their own proposal, and an agent decides only for someone below it
 * in the chain of command (an admin or operator, deciding as a person, may decide any proposal of its realm).
 */
function* requireMayDecide(tx: Tx, ctx: DomainContext, proposal: Proposal, decidedBy: string): Step<void> {
  const decider = actorFrom(ctx.principal, decidedBy);
  if (decider.id === proposal.requestedBy) {
    throw new DomainError('forbidden', `${decider.id} asked for proposal ${proposal.id}, so may not decide it`, { reason: 'own_proposal', field: 'decidedBy' });
  }
  if (decider.kind !== 'agent') return;
  const subject = subjectOf(proposal);
  if (!(yield* tx.nodes.chain(proposal.realmId, subject)).slice(1).some((n) => n.agentId === decider.id)) {
    throw new DomainError('forbidden', `agent ${decider.id} does not stand above ${subject} in the chain of command, so may not decide proposal ${proposal.id}`, {
      reason: 'not_above', field: 'decidedBy', subject,
    });
  }
}

/** Approves or rejects a pending proposal; approval carries it out in the same transaction. */
export function decideProposal(ctx: DomainContext, input: Decide): Promise<Proposal> {
  return ctx.store.write(function* (tx) {
    yield* requireWritableRealm(tx, input.realmId);
    const proposal = yield* tx.proposals.get(input.realmId, input.id);
    if (!proposal) throw notFound('proposal', input.id, { realmId: input.realmId });
    if (proposal.status !== 'pending') {
      throw new DomainError('conflict', `proposal ${proposal.id} is already ${proposal.status}`, { status: proposal.status, currentVersion: proposal.version });
    }
    checkVersion('proposal', proposal.id, proposal, input.expectedVersion);
    yield* requireMayDecide(tx, ctx, proposal, input.decidedBy);
    const effect = input.approved ? yield* effects[proposal.kind](tx, ctx, proposal, input.decidedBy) : null;
    const decided = casOrConflict(
      yield* tx.proposals.update(input.realmId, proposal.id, proposal.version, {
        status: input.approved ? 'approved' : 'rejected',
        decidedBy: input.decidedBy,
        decisionNote: input.note ?? null,
        decidedAt: isoNow(ctx.clock),
        effect,
      }),
      'proposal', proposal.id, proposal,
    );
    yield* appendAudit(tx, ctx.clock, {
      realmId: input.realmId,
      actor: actorFrom(ctx.principal, input.decidedBy),
      action: input.approved ? 'proposal_approved' : 'proposal_rejected',
      entityType: 'proposal',
      entityId: proposal.id,
      details: { kind: proposal.kind, note: input.note ?? null },
    });
    tx.announce({ topic: 'council.proposal', realmId: input.realmId, payload: { proposalId: proposal.id, status: decided.status } });
    return decided;
  });
}

export function listProposals(ctx: DomainContext, input: ListProposals) {
  const { realmId, limit, cursor, ...rest } = input;
  const filters = definedOnly({ realmId, ...rest });
  const after = decodeCursor(cursor, filters);
  return ctx.store.read(function* (tx) {
    yield* requireRealm(tx, realmId);
    const page = toPage(yield* tx.proposals.page(realmId, { ...rest, after, limit: limit + 1 }), limit, filters);
    return { proposals: page.items, count: page.count, nextCursor: page.nextCursor };
  });
}
