import { appendAudit } from '../audit/chain.js';
import { requireRunIn } from '../bridge/guards.js';
import { requireMission } from '../mission/guards.js';
import type { DomainContext } from '../context.js';
import { DomainError, invalidInput } from '../errors.js';
import { hasIdPrefix, newId } from '../ids.js';
import { actorFrom, systemPrincipal } from '../principal.js';
import { requireRealm } from '../realm/guards.js';
import type { Step, Tx } from '../store.js';
import { alertLevel, checkBudgets, REALM_TOTAL } from './check.js';
import type { RecordSpend } from './inputs.js';
import { alertLevels, type Check, type Spend } from './model.js';
import { centsToUnits, currentPeriod, unitsToCents } from './money.js';

export function recordSpend(ctx: DomainContext, input: RecordSpend): Promise<{ spend: Spend; check: Check }> {
  return ctx.store.write((tx) => spendStep(tx, ctx, input));
}

const alertNames = { warning: 'soft_threshold', critical: 'hard_limit_reached' } as const;

/**
 * Records a cost that happened: always (past a limit, in a suspended realm: nothing that happened is lost),
 * once per eventId, with the running totals in the same transaction. Each budget's alerts fire once per
 * crossing per period.
 */
export function* spendStep(tx: Tx, ctx: DomainContext, input: RecordSpend): Step<{ spend: Spend; check: Check }> {
  yield* requireRealm(tx, input.realmId);
  // What a spend refers to is in its realm. The bridge's own spends (system) name their run's mission.
  if (ctx.principal.role !== 'system') {
    if (input.missionId) yield* requireMission(tx, input.realmId, input.missionId, 'missionId');
    if (input.runId) yield* requireRunIn(tx, input.realmId, input.runId);
  }
  if (input.eventId) {
    // The bridge records a run's cost under the run's id: a caller who took that id first (a spawned agent
    // knows its run's) would have the run's cost counted as whatever it reported.
    if (ctx.principal.role !== 'system' && hasIdPrefix(input.eventId, 'brun')) {
      throw invalidInput('eventId', 'eventId: ids beginning "brun-" are the bridge\'s (a run\'s cost is recorded under its run id)');
    }
    const first = yield* tx.ledger.spendByEvent(input.realmId, input.eventId);
    // A repeat is the same agent's spend reported again; another agent's is neither returned (it would show
    // that spend to whoever guessed its eventId) nor replaced.
    if (first && first.agentId !== input.agentId) throw new DomainError('conflict', `eventId: "${input.eventId}" already names a spend of another agent`, { field: 'eventId' });
    if (first) return { spend: first, check: yield* checkBudgets(tx, ctx.clock, input.realmId, input.agentId) };
  }
  const period = currentPeriod(ctx.clock);
  const units = centsToUnits(input.costCents);
  const spend: Spend = {
    id: newId('spn'),
    realmId: input.realmId,
    agentId: input.agentId,
    costCents: unitsToCents(units),
    provider: input.provider,
    model: input.model,
    inputTokens: input.inputTokens,
    outputTokens: input.outputTokens,
    missionId: input.missionId ?? null,
    runId: input.runId ?? null,
    billingCode: input.billingCode ?? null,
    eventId: input.eventId ?? null,
    timestamp: ctx.clock.now().toISOString(),
  };
  yield* tx.ledger.insertSpend(spend, units);
  yield* tx.ledger.addToTotal(input.realmId, input.agentId, period.key, units);
  yield* tx.ledger.addToTotal(input.realmId, REALM_TOTAL, period.key, units);
  yield* appendAudit(tx, ctx.clock, {
    realmId: input.realmId,
    actor: actorFrom(ctx.principal, input.agentId),
    action: 'spend_recorded',
    entityType: 'spend',
    entityId: spend.id,
    details: { agentId: spend.agentId, costCents: spend.costCents, provider: spend.provider, model: spend.model, missionId: spend.missionId, runId: spend.runId },
  });
  tx.announce({ topic: 'ledger.spend_recorded', realmId: input.realmId, payload: { spendId: spend.id, agentId: spend.agentId, costCents: spend.costCents } });

  for (const [scope, budgetAgent] of [['agent', input.agentId], ['realm', null]] as const) {
    const budget = yield* tx.ledger.budget(input.realmId, budgetAgent);
    if (!budget) continue;
    const spent = yield* tx.ledger.total(input.realmId, budgetAgent ?? REALM_TOTAL, period.key);
    const level = alertLevel(budget, spent);
    const state = yield* tx.ledger.alertState(budget.id);
    const last = state.period === period.key ? state.level : null;
    const reached = level ? alertLevels.slice(0, alertLevels.indexOf(level) + 1) : [];
    const crossed = reached.filter((l) => last === null || alertLevels.indexOf(l) > alertLevels.indexOf(last as (typeof alertLevels)[number]));
    for (const crossing of crossed) {
      const details = { scope, agentId: budget.agentId, budgetId: budget.id, level: alertNames[crossing], spentCents: unitsToCents(spent), limitCents: budget.monthlyCents, period: period.key };
      yield* appendAudit(tx, ctx.clock, { realmId: input.realmId, actor: systemPrincipal, action: 'budget_alert', entityType: 'budget', entityId: budget.id, details });
      if (crossing === 'critical' && budget.hardLimit) {
        yield* appendAudit(tx, ctx.clock, { realmId: input.realmId, actor: systemPrincipal, action: 'budget_exceeded', entityType: 'budget', entityId: budget.id, details });
      }
      tx.announce({ topic: 'ledger.alert', realmId: input.realmId, payload: details });
    }
    if (crossed.length) yield* tx.ledger.setAlertState(budget.id, { level, period: period.key });
  }
  return { spend, check: yield* checkBudgets(tx, ctx.clock, input.realmId, input.agentId) };
}
