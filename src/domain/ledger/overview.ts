import type { DomainContext } from '../context.js';
import { requireRealm } from '../realm/guards.js';
import { REALM_TOTAL, scopeCheck } from './check.js';
import { currentPeriod } from './money.js';
import { ledgerSummary } from './queries.js';

/** Every budget of the realm with its check, and the period's spend by agent. */
export async function budgetOverview(ctx: DomainContext, realmId: string) {
  const period = currentPeriod(ctx.clock);
  const budgets = await ctx.store.read(function* (tx) {
    yield* requireRealm(tx, realmId);
    const list = [];
    for (const budget of yield* tx.ledger.budgets(realmId)) {
      const spent = yield* tx.ledger.total(realmId, budget.agentId ?? REALM_TOTAL, period.key);
      list.push({ budget, check: scopeCheck(budget, spent, 0, period) });
    }
    return list;
  });
  return { periodStart: period.start, periodEnd: period.end, budgets, summary: await ledgerSummary(ctx, { realmId, groupBy: 'agent' }) };
}
