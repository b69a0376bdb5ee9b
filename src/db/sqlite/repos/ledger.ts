import { centsToUnits, unitsToCents } from '../../../domain/ledger/money.js';
import { and, asc, count, eq, gte, isNull, lt, sql, sum } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { Budget, Grouping, Spend } from '../../../domain/ledger/model.js';
import type { LedgerRepo } from '../../../domain/store.js';
import { budgets, spend, spendTotals } from '../../schema.js';
import { casUpdate, type Db, preparedInsert } from './shared.js';

type BudgetRow = typeof budgets.$inferSelect;
type SpendRow = typeof spend.$inferSelect;

export const budgetRecord = ({ ord: _o, alertLevel: _l, alertPeriod: _p, ...b }: BudgetRow): Budget => b;
export const budgetRow = (b: Budget) => ({ ...b, alertLevel: null, alertPeriod: null });
export const spendRecord = ({ ord: _o, costUnits, ...s }: SpendRow): Spend => ({ ...s, costCents: unitsToCents(costUnits) });
export const spendRow = ({ costCents, ...s }: Spend) => ({ ...s, costUnits: centsToUnits(costCents) });

const groupColumn: Record<Grouping, SQLiteColumn> = {
  agent: spend.agentId,
  model: spend.model,
  provider: spend.provider,
  billing_code: spend.billingCode,
  mission: spend.missionId,
};

export function ledgerRepo(db: Db): LedgerRepo {
  const insertBudget = preparedInsert(db, budgets);
  const insertSpend = preparedInsert(db, spend);
  // Checkout reads the agent's and the realm's budget and totals: prepared once.
  const agentBudget = db
    .select()
    .from(budgets)
    .where(and(eq(budgets.realmId, sql.placeholder('realmId')), eq(budgets.agentId, sql.placeholder('agentId'))))
    .prepare();
  const realmBudget = db.select().from(budgets).where(and(eq(budgets.realmId, sql.placeholder('realmId')), isNull(budgets.agentId))).prepare();
  const total = db
    .select({ units: spendTotals.units })
    .from(spendTotals)
    .where(and(eq(spendTotals.realmId, sql.placeholder('realmId')), eq(spendTotals.agentId, sql.placeholder('agentId')), eq(spendTotals.period, sql.placeholder('period'))))
    .prepare();
  const addToTotal = db
    .insert(spendTotals)
    .values({ realmId: sql.placeholder('realmId'), agentId: sql.placeholder('agentId'), period: sql.placeholder('period'), units: sql.placeholder('units') })
    .onConflictDoUpdate({ target: [spendTotals.realmId, spendTotals.agentId, spendTotals.period], set: { units: sql`${spendTotals.units} + excluded.units` } })
    .prepare();
  return {
    *budget(realmId, agentId) {
      const row = agentId === null ? realmBudget.get({ realmId }) : agentBudget.get({ realmId, agentId });
      return row ? budgetRecord(row) : null;
    },
    *budgets(realmId) {
      return db.select().from(budgets).where(eq(budgets.realmId, realmId)).orderBy(asc(budgets.ord)).all().map(budgetRecord);
    },
    *insertBudget(budget) {
      insertBudget(budgetRow(budget));
    },
    *updateBudget(id, version, patch) {
      const row = casUpdate<BudgetRow>(db, budgets, { id }, version, patch);
      return row ? budgetRecord(row) : null;
    },
    *deleteBudget(realmId, agentId) {
      return db.delete(budgets).where(and(eq(budgets.realmId, realmId), eq(budgets.agentId, agentId))).run().changes;
    },
    *alertState(budgetId) {
      const row = db.select({ level: budgets.alertLevel, period: budgets.alertPeriod }).from(budgets).where(eq(budgets.id, budgetId)).get();
      return row ?? { level: null, period: null };
    },
    *setAlertState(budgetId, state) {
      db.update(budgets).set({ alertLevel: state.level, alertPeriod: state.period }).where(eq(budgets.id, budgetId)).run();
    },
    *spendByEvent(realmId, eventId) {
      const row = db.select().from(spend).where(and(eq(spend.realmId, realmId), eq(spend.eventId, eventId))).get();
      return row ? spendRecord(row) : null;
    },
    *insertSpend(record, units) {
      insertSpend({ ...spendRow(record), costUnits: units });
    },
    *addToTotal(realmId, agentId, period, units) {
      addToTotal.run({ realmId, agentId, period, units });
    },
    *total(realmId, agentId, period) {
      return total.get({ realmId, agentId, period })?.units ?? 0;
    },
    *summary(realmId, groupBy, since, until) {
      const key = groupColumn[groupBy];
      const rows = db
        .select({
          key: sql<string | null>`${key}`,
          units: sum(spend.costUnits).mapWith(Number),
          inputTokens: sum(spend.inputTokens).mapWith(Number),
          outputTokens: sum(spend.outputTokens).mapWith(Number),
          events: count(),
        })
        .from(spend)
        .where(and(eq(spend.realmId, realmId), gte(spend.timestamp, since), lt(spend.timestamp, until)))
        .groupBy(key)
        .all();
      return rows;
    },
  };
}

/** After an import loads spend rows, the running totals are rebuilt from them (they are derived data). */
export function rebuildTotals(db: Db, realmId: string) {
  db.delete(spendTotals).where(eq(spendTotals.realmId, realmId)).run();
  const period = sql`substr(${spend.timestamp}, 1, 7)`;
  for (const agent of [spend.agentId, sql`''`]) {
    db.run(sql`INSERT INTO spend_totals (realm_id, agent_id, period, units)
      SELECT ${spend.realmId}, ${agent}, ${period}, sum(${spend.costUnits}) FROM ${spend}
      WHERE ${spend.realmId} = ${realmId} GROUP BY ${spend.realmId}, ${agent}, ${period}`);
  }
}
