import { centsToUnits, unitsToCents } from '../../../domain/ledger/money.js';
import { and, asc, count, eq, gte, isNull, lt, sql, sum } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { splitByDays } from '../../../domain/ledger/days.js';
import { groupings, type Budget, type Grouping, type Spend } from '../../../domain/ledger/model.js';
import type { LedgerRepo, SummaryRow } from '../../../domain/store.js';
import { budgets, spend, spendRollups, spendTotals } from '../../schema.js';
import { casUpdate, type Db, preparedInsert } from './shared.js';

type BudgetRow = typeof budgets.$inferSelect;
type SpendRow = typeof spend.$inferSelect;

export const budgetRecord = ({ ord: _o, alertLevel: _l, alertPeriod: _p, ...b }: BudgetRow): Budget => b;
export const budgetRow = (b: Budget) => ({ ...b, alertLevel: null, alertPeriod: null });
export const spendRecord = ({ ord: _o, costUnits, ...s }: SpendRow): Spend => ({ ...s, costCents: unitsToCents(costUnits) });
export const spendRow = ({ costCents, ...s }: Spend) => ({ ...s, costUnits: centsToUnits(costCents) });

/** The spend field each grouping sums by (the same field names on both engines). */
export const groupField = {
  agent: 'agentId',
  model: 'model',
  provider: 'provider',
  billing_code: 'billingCode',
  mission: 'missionId',
} as const satisfies Record<Grouping, keyof Spend & keyof typeof spend.$inferSelect>;
const groupColumn = (g: Grouping): SQLiteColumn => spend[groupField[g]];

// A roll-up row keeps a null key as '' (a unique index treats NULLs as distinct, and no key can be empty).
export const NO_KEY = '';

/** Adds summary rows that share a key (the roll-up days and the edge hours of one window). */
export function merged(parts: SummaryRow[][]): SummaryRow[] {
  const byKey = new Map<string | null, SummaryRow>();
  for (const row of parts.flat()) {
    const seen = byKey.get(row.key);
    if (!seen) byKey.set(row.key, { ...row });
    else {
      seen.units += row.units;
      seen.inputTokens += row.inputTokens;
      seen.outputTokens += row.outputTokens;
      seen.events += row.events;
    }
  }
  return [...byKey.values()];
}

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
  const addToRollup = db
    .insert(spendRollups)
    .values({
      realmId: sql.placeholder('realmId'),
      grouping: sql.placeholder('grouping'),
      day: sql.placeholder('day'),
      key: sql.placeholder('key'),
      units: sql.placeholder('units'),
      inputTokens: sql.placeholder('inputTokens'),
      outputTokens: sql.placeholder('outputTokens'),
      events: 1,
    })
    .onConflictDoUpdate({
      target: [spendRollups.realmId, spendRollups.grouping, spendRollups.day, spendRollups.key],
      set: {
        units: sql`${spendRollups.units} + excluded.units`,
        inputTokens: sql`${spendRollups.inputTokens} + excluded.input_tokens`,
        outputTokens: sql`${spendRollups.outputTokens} + excluded.output_tokens`,
        events: sql`${spendRollups.events} + 1`,
      },
    })
    .prepare();
  const rolledUp = db
    .select({
      key: spendRollups.key,
      units: sum(spendRollups.units).mapWith(Number),
      inputTokens: sum(spendRollups.inputTokens).mapWith(Number),
      outputTokens: sum(spendRollups.outputTokens).mapWith(Number),
      events: sum(spendRollups.events).mapWith(Number),
    })
    .from(spendRollups)
    .where(
      and(
        eq(spendRollups.realmId, sql.placeholder('realmId')),
        eq(spendRollups.grouping, sql.placeholder('grouping')),
        gte(spendRollups.day, sql.placeholder('first')),
        lt(spendRollups.day, sql.placeholder('end')),
      ),
    )
    .groupBy(spendRollups.key)
    .prepare();
  const fromRows = (realmId: string, groupBy: Grouping, since: string, until: string): SummaryRow[] => {
    const key = groupColumn(groupBy);
    return db
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
  };
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
      const day = record.timestamp.slice(0, 10);
      for (const grouping of groupings) {
        const key = record[groupField[grouping]] ?? NO_KEY;
        addToRollup.run({ realmId: record.realmId, grouping, day, key, units, inputTokens: record.inputTokens, outputTokens: record.outputTokens });
      }
    },
    *addToTotal(realmId, agentId, period, units) {
      addToTotal.run({ realmId, agentId, period, units });
    },
    *total(realmId, agentId, period) {
      return total.get({ realmId, agentId, period })?.units ?? 0;
    },
    *summary(realmId, groupBy, since, until) {
      // Whole days from the roll-ups, partial days at the edges from the spend rows.
      const { days, edges } = splitByDays(since, until);
      const parts = edges.map(([from, to]) => fromRows(realmId, groupBy, from, to));
      if (days) {
        const rows = rolledUp.all({ realmId, grouping: groupBy, first: days[0], end: days[1] });
        parts.push(rows.map((r) => ({ ...r, key: r.key === NO_KEY ? null : r.key })));
      }
      return merged(parts);
    },
  };
}

/** After an import loads spend rows, the running totals and roll-ups are rebuilt from them (derived data). */
export function rebuildTotals(db: Db, realmId: string) {
  db.delete(spendTotals).where(eq(spendTotals.realmId, realmId)).run();
  const period = sql`substr(${spend.timestamp}, 1, 7)`;
  for (const agent of [spend.agentId, sql`''`]) {
    db.run(sql`INSERT INTO spend_totals (realm_id, agent_id, period, units)
      SELECT ${spend.realmId}, ${agent}, ${period}, sum(${spend.costUnits}) FROM ${spend}
      WHERE ${spend.realmId} = ${realmId} GROUP BY ${spend.realmId}, ${agent}, ${period}`);
  }
  db.delete(spendRollups).where(eq(spendRollups.realmId, realmId)).run();
  const day = sql`substr(${spend.timestamp}, 1, 10)`;
  for (const grouping of groupings) {
    const key = sql`coalesce(${groupColumn(grouping)}, ${NO_KEY})`;
    db.run(sql`INSERT INTO spend_rollups (realm_id, grouping, day, key, units, input_tokens, output_tokens, events)
      SELECT ${spend.realmId}, ${grouping}, ${day}, ${key}, sum(${spend.costUnits}), sum(${spend.inputTokens}), sum(${spend.outputTokens}), count(*)
      FROM ${spend} WHERE ${spend.realmId} = ${realmId} GROUP BY ${day}, ${key}`);
  }
}
