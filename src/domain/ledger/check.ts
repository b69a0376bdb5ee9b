import type { Clock } from '../clock.js';
import { DomainError } from '../errors.js';
import type { Step, Tx } from '../store.js';
import type { AlertLevel, Budget, Check, ScopeCheck } from './model.js';
import { currentPeriod, unitsToCents, UNITS_PER_CENT, type Period } from './money.js';

const round2 = (n: number) => Math.round(n * 100) / 100;

/** The level a scope is at: critical at or past its limit, warning at or past its soft threshold. */
export function alertLevel(budget: Budget, spentUnits: number): AlertLevel | null {
  const limit = budget.monthlyCents * UNITS_PER_CENT;
  if (spentUnits >= limit) return 'critical';
  if (spentUnits >= limit * budget.softThreshold) return 'warning';
  return null;
}

/** One scope's check. A hard limit refuses what would reach it: spent + cost >= limit. */
export function scopeCheck(budget: Budget, spentUnits: number, costUnits: number, period: Period): ScopeCheck {
  const limit = budget.monthlyCents * UNITS_PER_CENT;
  return {
    budgetId: budget.id,
    spentCents: unitsToCents(spentUnits),
    limitCents: budget.monthlyCents,
    remainingCents: unitsToCents(limit - spentUnits),
    utilizationPct: limit === 0 ? (spentUnits > 0 ? 100 : 0) : round2((spentUnits / limit) * 100),
    softThreshold: budget.softThreshold,
    hardLimit: budget.hardLimit,
    alert: alertLevel(budget, spentUnits),
    allowed: !(budget.hardLimit && spentUnits + costUnits >= limit),
    periodStart: period.start,
    periodEnd: period.end,
  };
}

/** Both scopes together: allowed only if both allow; the scope shown is the denying one, else the fuller one. */
export function combine(agent: ScopeCheck | null, realm: ScopeCheck | null): Check {
  const denying = [agent, realm].find((c) => c && !c.allowed) ?? null;
  const fuller = agent && realm ? (realm.utilizationPct > agent.utilizationPct ? realm : agent) : (agent ?? realm);
  const shown = denying ?? fuller;
  return {
    allowed: denying === null,
    scope: shown === null ? 'none' : shown === agent ? 'agent' : 'realm',
    spentCents: shown?.spentCents ?? null,
    limitCents: shown?.limitCents ?? null,
    remainingCents: shown?.remainingCents ?? null,
    utilizationPct: shown?.utilizationPct ?? null,
    alert: shown?.alert ?? null,
    agent,
    realm,
  };
}

/** The realm-wide running total is kept under this agent id (agent ids cannot be empty). */
export const REALM_TOTAL = '';

export function* checkBudgets(tx: Tx, clock: Clock, realmId: string, agentId: string, costUnits = 0): Step<Check> {
  const period = currentPeriod(clock);
  const scope = function* (budgetAgent: string | null): Step<ScopeCheck | null> {
    const budget = yield* tx.ledger.budget(realmId, budgetAgent);
    if (!budget) return null;
    const spent = yield* tx.ledger.total(realmId, budgetAgent ?? REALM_TOTAL, period.key);
    return scopeCheck(budget, spent, costUnits, period);
  };
  return combine(yield* scope(agentId), yield* scope(null));
}

/** The budget gate of checkout (and later of bridge runs and pulses). */
export function* requireWithinBudget(tx: Tx, clock: Clock, realmId: string, agentId: string): Step<void> {
  const check = yield* checkBudgets(tx, clock, realmId, agentId);
  if (!check.allowed) {
    throw new DomainError('budget_exceeded', `agent ${agentId} is over its ${check.scope} budget for this month (${check.spentCents} of ${check.limitCents} cents)`, {
      agentId,
      scope: check.scope,
      spentCents: check.spentCents,
      limitCents: check.limitCents,
      periodEnd: (check.scope === 'agent' ? check.agent : check.realm)?.periodEnd ?? null,
    });
  }
}
