import { appendAudit } from '../audit/chain.js';
import { isoNow } from '../clock.js';
import type { DomainContext } from '../context.js';
import { newId } from '../ids.js';
import type { Actor } from '../principal.js';
import { requireWritableRealm } from '../realm/guards.js';
import type { Step, Tx } from '../store.js';
import { casOrConflict, checkUpsertVersion, givenFields } from '../versions.js';
import type { SetBudget } from './inputs.js';
import type { Budget } from './model.js';

export function setBudget(ctx: DomainContext, input: SetBudget): Promise<Budget> {
  return ctx.store.write((tx) => putBudget(tx, ctx, input, ctx.principal));
}

/**
 * Upserts the realm's or an agent's budget and re-arms its alerts. A step, so that an approved
 * budget_override proposal runs it inside its own transaction.
 */
export function* putBudget(tx: Tx, ctx: DomainContext, input: Omit<SetBudget, 'expectedVersion'> & { expectedVersion?: number }, actor: Actor): Step<Budget> {
  yield* requireWritableRealm(tx, input.realmId);
  const agentId = input.agentId ?? null;
  const existing = yield* tx.ledger.budget(input.realmId, agentId);
  const now = isoNow(ctx.clock);
  let budget: Budget;
  checkUpsertVersion('budget', existing?.id ?? agentId ?? input.realmId, existing, input.expectedVersion);
  if (existing) {
    const patch = givenFields(input, ['monthlyCents', 'softThreshold', 'hardLimit', 'billingCode']);
    budget = casOrConflict(yield* tx.ledger.updateBudget(existing.id, existing.version, { ...patch, updatedAt: now }), 'budget', existing.id, existing);
  } else {
    budget = {
      id: newId('bgt'),
      realmId: input.realmId,
      agentId,
      monthlyCents: input.monthlyCents,
      softThreshold: input.softThreshold ?? 0.8,
      hardLimit: input.hardLimit ?? true,
      billingCode: input.billingCode ?? null,
      version: 1,
      updatedAt: now,
    };
    yield* tx.ledger.insertBudget(budget);
  }
  yield* tx.ledger.setAlertState(budget.id, { level: null, period: null });
  yield* appendAudit(tx, ctx.clock, {
    realmId: input.realmId,
    actor,
    action: 'budget_set',
    entityType: 'budget',
    entityId: budget.id,
    details: { agentId, monthlyCents: budget.monthlyCents, softThreshold: budget.softThreshold, hardLimit: budget.hardLimit },
  });
  tx.announce({ topic: 'ledger.budget_set', realmId: input.realmId, payload: { budgetId: budget.id, agentId } });
  return budget;
}
