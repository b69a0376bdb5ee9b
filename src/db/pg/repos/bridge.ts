// Runtimes, bridge runs and agent sessions on PostgreSQL: src/db/sqlite/repos/bridge.ts statement for
// statement, each query a step of the unit of work. A run finishes once across instances because finish() is
// one conditional UPDATE (status still 'running') that only one transaction can match.
import { and, asc, count, desc, eq, gte, inArray, isNull, lt, notInArray, or, sql } from 'drizzle-orm';
import type { Run, Runtime } from '../../../domain/bridge/model.js';
import { centsToUnits } from '../../../domain/ledger/money.js';
import type { RunRepo, RuntimeRepo, SessionRepo } from '../../../domain/store.js';
import { agentSessions, bridgeRuns, guardCrossings, runtimes } from '../schema.js';
import * as sqlite from '../../sqlite/repos/bridge.js';
import { type PgDb, q } from './shared.js';

type RuntimeRow = typeof runtimes.$inferSelect;
type RunRow = typeof bridgeRuns.$inferSelect;

// The row mappers are the SQLite store's: pure functions of a row with the same fields.
export const runtimeRecord = (row: RuntimeRow): Runtime => sqlite.runtimeRecord(row as never);
export const runtimeRow = sqlite.runtimeRow;
export const runRecord = (row: RunRow): Run => sqlite.runRecord(row as never);
const runRow = sqlite.runRow;

export function runtimeRepo(db: PgDb): RuntimeRepo {
  return {
    *get(id) {
      const [row] = yield* q(db.select().from(runtimes).where(eq(runtimes.id, id)));
      return row ? runtimeRecord(row) : null;
    },
    *insert(runtime) {
      yield* q(db.insert(runtimes).values(runtimeRow(runtime)));
    },
    *page(query) {
      const rows = yield* q(
        db
          .select()
          .from(runtimes)
          .where(
            and(
              query.realmId ? or(eq(runtimes.realmId, query.realmId), isNull(runtimes.realmId)) : undefined,
              query.kind ? eq(runtimes.kind, query.kind) : undefined,
              // Newest first, keyed by ord alone: the keyset condition is "older than the last one seen".
              query.after ? lt(runtimes.ord, Number(query.after[0])) : undefined,
            ),
          )
          .orderBy(desc(runtimes.ord))
          .limit(query.limit),
      );
      return rows.map((row) => ({ record: runtimeRecord(row), key: [row.ord] }));
    },
  };
}

export function runRepo(db: PgDb): RunRepo {
  return {
    *get(id) {
      const [row] = yield* q(db.select().from(bridgeRuns).where(eq(bridgeRuns.id, id)));
      return row ? runRecord(row) : null;
    },
    *insert(run) {
      yield* q(db.insert(bridgeRuns).values(runRow(run)));
    },
    *finish(id, patch) {
      const { costCents, ...rest } = patch;
      const [row] = yield* q(
        db
          .update(bridgeRuns)
          .set({ ...rest, ...(costCents !== undefined ? { costUnits: costCents === null ? null : centsToUnits(costCents) } : {}) } as never)
          .where(and(eq(bridgeRuns.id, id), eq(bridgeRuns.status, 'running')))
          .returning(),
      );
      return row ? runRecord(row) : null;
    },
    *setProcess(id, p) {
      yield* q(db.update(bridgeRuns).set({ pid: p.pid, processStart: p.processStart }).where(eq(bridgeRuns.id, id)));
    },
    *process(id) {
      const [row] = yield* q(db.select({ pid: bridgeRuns.pid, processStart: bridgeRuns.processStart }).from(bridgeRuns).where(eq(bridgeRuns.id, id)));
      return row ?? { pid: null, processStart: null };
    },
    *requestCancel(id) {
      yield* q(db.update(bridgeRuns).set({ cancelRequested: true }).where(and(eq(bridgeRuns.id, id), eq(bridgeRuns.status, 'running'))));
    },
    *cancelRequested(ids) {
      if (!ids.length) return [];
      const rows = yield* q(
        db
          .select({ id: bridgeRuns.id })
          .from(bridgeRuns)
          .where(and(inArray(bridgeRuns.id, ids), eq(bridgeRuns.cancelRequested, true), eq(bridgeRuns.status, 'running'))),
      );
      return rows.map((r) => r.id);
    },
    *orphaned(live) {
      const rows = yield* q(
        db
          .select()
          .from(bridgeRuns)
          .where(and(eq(bridgeRuns.status, 'running'), live.length ? notInArray(bridgeRuns.ownerInstanceId, live) : undefined))
          .orderBy(asc(bridgeRuns.ord)),
      );
      return rows.map(runRecord);
    },
    *runningInRealm(realmId) {
      // Through the status index, as `running` below: the realm's index would read every run it ever had.
      const rows = yield* q(db.select().from(bridgeRuns).where(and(eq(bridgeRuns.status, 'running'), eq(sql`coalesce(${bridgeRuns.realmId}, '')`, realmId))));
      return rows.map(runRecord);
    },
    *recent(realmId, limit) {
      const rows = yield* q(db.select().from(bridgeRuns).where(eq(bridgeRuns.realmId, realmId)).orderBy(desc(bridgeRuns.startedAt)).limit(limit));
      return rows.map(runRecord);
    },
    *running(realmId) {
      // coalesce() keeps the realm term off the realm's index (which would read every run the realm ever had):
      // the status index reads the running runs of the whole database, few however long the history grows.
      return yield* q(
        db
          .select({ id: bridgeRuns.id, agentId: bridgeRuns.agentId, runtimeId: bridgeRuns.runtimeId, startedAt: bridgeRuns.startedAt })
          .from(bridgeRuns)
          .where(and(eq(bridgeRuns.status, 'running'), eq(sql`coalesce(${bridgeRuns.realmId}, '')`, realmId))),
      );
    },
    *startedSince(realmId, since, scope) {
      // count() comes back from PostgreSQL as a bigint string; drizzle's count() maps it to a number.
      const [row] = yield* q(
        db
          .select({ n: count() })
          .from(bridgeRuns)
          .where(
            and(
              scope.runtimeId !== undefined ? eq(bridgeRuns.runtimeId, scope.runtimeId) : undefined,
              eq(bridgeRuns.realmId, realmId),
              scope.agentId !== undefined ? eq(bridgeRuns.agentId, scope.agentId) : undefined,
              gte(bridgeRuns.startedAt, since),
            ),
          ),
      );
      return row?.n ?? 0;
    },
    *recordCrossing(crossing) {
      // ON CONFLICT DO NOTHING RETURNING: of concurrent instances crossing the same window, one gets the row.
      const rows = yield* q(db.insert(guardCrossings).values(crossing).onConflictDoNothing().returning({ realmId: guardCrossings.realmId }));
      return rows.length === 1;
    },
    *runningFor(realmId, agentId) {
      const rows = yield* q(
        db
          .select()
          .from(bridgeRuns)
          .where(and(eq(bridgeRuns.realmId, realmId), eq(bridgeRuns.agentId, agentId), eq(bridgeRuns.status, 'running'))),
      );
      return rows.map(runRecord);
    },
  };
}

export function sessionRepo(db: PgDb): SessionRepo {
  const key = (realmId: string, agentId: string, runtimeId: string) =>
    and(eq(agentSessions.realmId, realmId), eq(agentSessions.agentId, agentId), eq(agentSessions.runtimeId, runtimeId));
  return {
    *get(realmId, agentId, runtimeId) {
      const [row] = yield* q(db.select({ sessionId: agentSessions.sessionId, usage: agentSessions.usage }).from(agentSessions).where(key(realmId, agentId, runtimeId)));
      return row ?? null;
    },
    *set(realmId, agentId, runtimeId, session, at) {
      yield* q(
        db
          .insert(agentSessions)
          .values({ realmId, agentId, runtimeId, sessionId: session.sessionId, usage: session.usage, updatedAt: at })
          .onConflictDoUpdate({
            target: [agentSessions.realmId, agentSessions.agentId, agentSessions.runtimeId],
            set: { sessionId: sql`excluded.session_id`, usage: sql`excluded.usage`, updatedAt: sql`excluded.updated_at` },
          }),
      );
    },
    *clear(realmId, agentId, runtimeId) {
      yield* q(db.delete(agentSessions).where(key(realmId, agentId, runtimeId)));
    },
  };
}
