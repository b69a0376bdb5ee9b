// The ledger on PostgreSQL, as SQLite's (src/db/sqlite/repos/ledger.ts). What several instances share is kept
// right by single statements: a running total or a day's roll-up is one INSERT ... ON CONFLICT DO UPDATE that
// adds to the stored value (the row lock makes concurrent adds queue, none is lost), never a read then a write.
import { and, asc, count, eq, gte, isNull, lt, sql, sum } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { splitByDays } from '../../../domain/ledger/days.js';
import { groupings, type Budget, type Grouping, type Spend } from '../../../domain/ledger/model.js';
import type { LedgerRepo, Step, SummaryRow } from '../../../domain/store.js';
import { budgets, spend, spendRollups, spendTotals } from '../schema.js';
import { casUpdate, type PgDb, q } from './shared.js';

type BudgetRow = typeof budgets.$inferSelect;
type SpendRow = typeof spend.$inferSelect;

// The row mappers and the engine-free pieces (which field each grouping sums by, the roll-up's key for a null,
// adding summary rows that share a key) are the SQLite store's: pure functions over the same fields.
import { budgetRecord as sqliteBudgetRecord, budgetRow, groupField, merged, NO_KEY, spendRecord as sqliteSpendRecord, spendRow } from '../../sqlite/repos/ledger.js';
export { budgetRow, spendRow };
export const budgetRecord = (row: BudgetRow): Budget => sqliteBudgetRecord(row as never);
export const spendRecord = (row: SpendRow): Spend => sqliteSpendRecord(row as never);

const groupColumn = (g: Grouping): PgColumn => spend[groupField[g]];

// sum() of a bigint is a numeric, which node-postgres hands over as text: read as numbers, as SQLite's are.
const total = (column: PgColumn) => sum(column).mapWith(Number);

export function ledgerRepo(db: PgDb): LedgerRepo {
  // Rows in key order, NULL first: the order SQLite's GROUP BY gives (it sorts by the key); PostgreSQL's hash
  // aggregate would give any order.
  function* fromRows(realmId: string, groupBy: Grouping, since: string, until: string): Step<SummaryRow[]> {
    const key = groupColumn(groupBy);
    return yield* q(
      db
        .select({ key: sql<string | null>`${key}`, units: total(spend.costUnits), inputTokens: total(spend.inputTokens), outputTokens: total(spend.outputTokens), events: count() })
        .from(spend)
        .where(and(eq(spend.realmId, realmId), gte(spend.timestamp, since), lt(spend.timestamp, until)))
        .groupBy(key)
        .orderBy(sql`${key} ASC NULLS FIRST`),
    );
  }
  function* rolledUp(realmId: string, groupBy: Grouping, first: string, end: string): Step<SummaryRow[]> {
    const rows = yield* q(
      db
        .select({
          key: spendRollups.key,
          units: total(spendRollups.units),
          inputTokens: total(spendRollups.inputTokens),
          outputTokens: total(spendRollups.outputTokens),
          events: total(spendRollups.events),
        })
        .from(spendRollups)
        .where(and(eq(spendRollups.realmId, realmId), eq(spendRollups.grouping, groupBy), gte(spendRollups.day, first), lt(spendRollups.day, end)))
        .groupBy(spendRollups.key)
        .orderBy(asc(spendRollups.key)),
    );
    return rows.map((r) => ({ ...r, key: r.key === NO_KEY ? null : r.key }));
  }

  return {
    *budget(realmId, agentId) {
      const [row] = yield* q(
        db
          .select()
          .from(budgets)
          .where(and(eq(budgets.realmId, realmId), agentId === null ? isNull(budgets.agentId) : eq(budgets.agentId, agentId))),
      );
      return row ? budgetRecord(row) : null;
    },
    *budgets(realmId) {
      const rows = yield* q(db.select().from(budgets).where(eq(budgets.realmId, realmId)).orderBy(asc(budgets.ord)));
      return rows.map(budgetRecord);
    },
    *insertBudget(budget) {
      yield* q(db.insert(budgets).values(budgetRow(budget)));
    },
    *updateBudget(id, version, patch) {
      const row = yield* casUpdate<BudgetRow>(db, budgets, { id }, version, patch);
      return row ? budgetRecord(row) : null;
    },
    *deleteBudget(realmId, agentId) {
      const rows = yield* q(db.delete(budgets).where(and(eq(budgets.realmId, realmId), eq(budgets.agentId, agentId))).returning({ id: budgets.id }));
      return rows.length;
    },
    *alertState(budgetId) {
      const [row] = yield* q(db.select({ level: budgets.alertLevel, period: budgets.alertPeriod }).from(budgets).where(eq(budgets.id, budgetId)));
      return row ?? { level: null, period: null };
    },
    *setAlertState(budgetId, state) {
      yield* q(db.update(budgets).set({ alertLevel: state.level, alertPeriod: state.period }).where(eq(budgets.id, budgetId)));
    },
    *spendByEvent(realmId, eventId) {
      const [row] = yield* q(db.select().from(spend).where(and(eq(spend.realmId, realmId), eq(spend.eventId, eventId))));
      return row ? spendRecord(row) : null;
    },
    *insertSpend(record, units) {
      yield* q(db.insert(spend).values({ ...spendRow(record), costUnits: units }));
      // The day's five roll-ups in one statement. Every unit adds to them in the same order (by grouping), so
      // two units never wait for each other's rows crosswise.
      const day = record.timestamp.slice(0, 10);
      yield* q(
        db
          .insert(spendRollups)
          .values(
            groupings.map((grouping) => ({
              realmId: record.realmId,
              grouping,
              day,
              key: record[groupField[grouping]] ?? NO_KEY,
              units,
              inputTokens: record.inputTokens,
              outputTokens: record.outputTokens,
              events: 1,
            })),
          )
          .onConflictDoUpdate({
            target: [spendRollups.realmId, spendRollups.grouping, spendRollups.day, spendRollups.key],
            set: {
              units: sql`${spendRollups.units} + excluded.units`,
              inputTokens: sql`${spendRollups.inputTokens} + excluded.input_tokens`,
              outputTokens: sql`${spendRollups.outputTokens} + excluded.output_tokens`,
              events: sql`${spendRollups.events} + 1`,
            },
          }),
      );
    },
    *addToTotal(realmId, agentId, period, units) {
      yield* q(
        db
          .insert(spendTotals)
          .values({ realmId, agentId, period, units })
          .onConflictDoUpdate({ target: [spendTotals.realmId, spendTotals.agentId, spendTotals.period], set: { units: sql`${spendTotals.units} + excluded.units` } }),
      );
    },
    *total(realmId, agentId, period) {
      const [row] = yield* q(
        db
          .select({ units: spendTotals.units })
          .from(spendTotals)
          .where(and(eq(spendTotals.realmId, realmId), eq(spendTotals.agentId, agentId), eq(spendTotals.period, period))),
      );
      return row?.units ?? 0;
    },
    *summary(realmId, groupBy, since, until) {
      // Whole days from the roll-ups, partial days at the edges from the spend rows.
      const { days, edges } = splitByDays(since, until);
      const parts: SummaryRow[][] = [];
      for (const [from, to] of edges) parts.push(yield* fromRows(realmId, groupBy, from, to));
      if (days) parts.push(yield* rolledUp(realmId, groupBy, days[0], days[1]));
      return merged(parts);
    },
  };
}

/** After an import loads spend rows, the running totals and roll-ups are rebuilt from them (derived data). */
export function* rebuildTotals(db: PgDb, realmId: string): Step<void> {
  yield* q(db.delete(spendTotals).where(eq(spendTotals.realmId, realmId)));
  const period = sql`substr(${spend.timestamp}, 1, 7)`;
  // Each agent's totals, then the realm's (agent ''); PostgreSQL refuses a constant in GROUP BY, SQLite not.
  for (const [agent, groupBy] of [[sql`${spend.agentId}`, sql`, ${spend.agentId}`], [sql`''`, sql``]] as const) {
    yield* q(
      db.execute(sql`INSERT INTO spend_totals (realm_id, agent_id, period, units)
        SELECT ${spend.realmId}, ${agent}, ${period}, sum(${spend.costUnits}) FROM ${spend}
        WHERE ${spend.realmId} = ${realmId} GROUP BY ${spend.realmId}${groupBy}, ${period}`),
    );
  }
  yield* q(db.delete(spendRollups).where(eq(spendRollups.realmId, realmId)));
  const day = sql`substr(${spend.timestamp}, 1, 10)`;
  for (const grouping of groupings) {
    // Written into the SQL, not bound: the GROUP BY must name the very expression the SELECT does.
    const key = sql`coalesce(${groupColumn(grouping)}, ${sql.raw(`'${NO_KEY}'`)})`;
    yield* q(
      db.execute(sql`INSERT INTO spend_rollups (realm_id, grouping, day, key, units, input_tokens, output_tokens, events)
        SELECT ${spend.realmId}, ${grouping}::text, ${day}, ${key}, sum(${spend.costUnits}), sum(${spend.inputTokens}), sum(${spend.outputTokens}), count(*)
        FROM ${spend} WHERE ${spend.realmId} = ${realmId} GROUP BY ${spend.realmId}, ${day}, ${key}`),
    );
  }
}
