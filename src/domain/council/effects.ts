// What an approved proposal does, per kind. Each effect runs inside the decision's transaction, so a failing
// effect rolls the decision back and the proposal stays pending.
import type { DomainContext } from '../context.js';
import type { DirectiveStatus, Priority } from '../directive/model.js';
import { patchDirective } from '../directive/ops.js';
import { placeNode } from '../hierarchy/set.js';
import { putBudget } from '../ledger/budget.js';
import { actingAs, actorFrom } from '../principal.js';
import { patchRealm } from '../realm/lifecycle.js';
import type { Step, Tx } from '../store.js';
import type { Proposal, ProposalKind } from './model.js';
import { overrideStep } from './override.js';

type Effect = (tx: Tx, ctx: DomainContext, proposal: Proposal, decidedBy: string) => Step<Record<string, unknown> | null>;

const as = <T>(payload: Proposal['payload']) => (payload ?? {}) as T;

export const effects: Record<ProposalKind, Effect> = {
  *hire_agent(tx, ctx, p, decidedBy) {
    const hire = as<{ agentId: string; title?: string; reportsTo?: string; capabilities?: string[]; rank?: number; runtimeId?: string }>(p.payload);
    const node = yield* placeNode(tx, { ...ctx, principal: actingAs(ctx.principal, actorFrom(ctx.principal, decidedBy)) }, { realmId: p.realmId, ...hire, expectedVersion: 0 });
    return { kind: 'hire_agent', node };
  },
  *terminate_agent(tx, ctx, p, decidedBy) {
    const { agentId } = as<{ agentId: string }>(p.payload);
    const override = { realmId: p.realmId, operatorId: decidedBy, action: 'terminate' as const, targetAgentId: agentId, reason: `proposal ${p.id} approved` };
    const result = yield* overrideStep(tx, ctx, override, { proposalId: p.id, actor: actorFrom(ctx.principal, decidedBy) });
    return { kind: 'terminate_agent', ...result };
  },
  *budget_override(tx, ctx, p, decidedBy) {
    const { agentId, monthlyCents } = as<{ agentId?: string; monthlyCents: number }>(p.payload);
    const budget = yield* putBudget(tx, ctx, { realmId: p.realmId, agentId, monthlyCents }, actorFrom(ctx.principal, decidedBy));
    return { kind: 'budget_override', budget };
  },
  *realm_suspend(tx, ctx, p, decidedBy) {
    const realm = yield* patchRealm(tx, { ...ctx, principal: actingAs(ctx.principal, actorFrom(ctx.principal, decidedBy)) }, { id: p.realmId, status: 'suspended' });
    return { kind: 'realm_suspend', realm };
  },
  *strategy_change(tx, ctx, p, decidedBy) {
    const change = as<{ directiveId: string; status?: DirectiveStatus; title?: string; priority?: Priority }>(p.payload);
    const { directiveId, ...patch } = change;
    const directive = yield* patchDirective(tx, { ...ctx, principal: actingAs(ctx.principal, actorFrom(ctx.principal, decidedBy)) }, { realmId: p.realmId, id: directiveId, ...patch });
    return { kind: 'strategy_change', directive };
  },
  *custom() {
    return null;
  },
};
