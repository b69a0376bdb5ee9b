import type { DomainContext } from '../context.js';
import { invalidInput } from '../errors.js';
import { requireRealm } from '../realm/guards.js';
import { checkBudgets } from './check.js';
import type { CheckBudget, Summarise } from './inputs.js';
import type { Summary } from './model.js';
import { centsToUnits, currentPeriod, unitsToCents } from './money.js';

export const ledgerCheck = (ctx: DomainContext, input: CheckBudget) =>
  ctx.store.read(function* (tx) {
    yield* requireRealm(tx, input.realmId);
    return yield* checkBudgets(tx, ctx.clock, input.realmId, input.agentId, centsToUnits(input.costCents ?? 0));
  });

/** Spend over a window, grouped by the store (GROUP BY), largest first. */
export function ledgerSummary(ctx: DomainContext, input: Summarise): Promise<Summary> {
  const period = currentPeriod(ctx.clock);
  const since = input.since ?? period.start;
  const until = input.until ?? period.end;
  if (since >= until) throw invalidInput('until', `until (${until}) must be after since (${since})`);
  return ctx.store.read(function* (tx) {
    yield* requireRealm(tx, input.realmId);
    const rows = yield* tx.ledger.summary(input.realmId, input.groupBy, since, until);
    const breakdown = rows
      .map((r) => ({ key: r.key ?? 'none', cents: unitsToCents(r.units), inputTokens: r.inputTokens, outputTokens: r.outputTokens, events: r.events }))
      .sort((a, b) => b.cents - a.cents || a.key.localeCompare(b.key));
    const total = (f: (r: (typeof rows)[number]) => number) => rows.reduce((n, r) => n + f(r), 0);
    return {
      since,
      until,
      groupBy: input.groupBy,
      totalCents: unitsToCents(total((r) => r.units)),
      totalInputTokens: total((r) => r.inputTokens),
      totalOutputTokens: total((r) => r.outputTokens),
      eventCount: total((r) => r.events),
      breakdown,
    };
  });
}
