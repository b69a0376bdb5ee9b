import { centsToUnits, unitsToCents } from '../../../domain/ledger/money.js';
import { and, asc, count, desc, eq, gte, inArray, isNull, notInArray, or, sql } from 'drizzle-orm';
import type { Run, Runtime } from '../../../domain/bridge/model.js';
import type { RunRepo, RuntimeRepo, SessionRepo } from '../../../domain/store.js';
import { agentSessions, bridgeRuns, guardCrossings, runtimes } from '../../schema.js';
import { after, type SortColumn } from '../../keyset.js';
import { type Db, preparedInsert, withoutOrd } from './shared.js';

type RuntimeRow = typeof runtimes.$inferSelect;
type RunRow = typeof bridgeRuns.$inferSelect;

export const runtimeRecord = (row: RuntimeRow) => withoutOrd(row) as Runtime;
export const runtimeRow = (r: Runtime) => r;
export const runRecord = ({ ord: _o, pid: _p, processStart: _s, cancelRequested: _c, costUnits, ...r }: RunRow): Run =>
  ({ ...r, costCents: costUnits === null ? null : unitsToCents(costUnits) }) as Run;
export const runRow = ({ costCents, ...r }: Run) => ({ ...r, costUnits: costCents === null ? null : centsToUnits(costCents), pid: null, processStart: null, cancelRequested: false });

const newestFirst: SortColumn[] = [{ column: runtimes.ord, desc: true }];

export function runtimeRepo(db: Db): RuntimeRepo {
  const insert = preparedInsert(db, runtimes);
  return {
    *get(id) {
      const row = db.select().from(runtimes).where(eq(runtimes.id, id)).get();
      return row ? runtimeRecord(row) : null;
    },
    *insert(runtime) {
      insert(runtimeRow(runtime));
    },
    *page(q) {
      const rows = db
        .select()
        .from(runtimes)
        .where(
          and(
            q.realmId ? or(eq(runtimes.realmId, q.realmId), isNull(runtimes.realmId)) : undefined,
            q.kind ? eq(runtimes.kind, q.kind) : undefined,
            after(newestFirst, q.after),
          ),
        )
        .orderBy(desc(runtimes.ord))
        .limit(q.limit)
        .all();
      return rows.map((row) => ({ record: runtimeRecord(row), key: [row.ord] }));
    },
  };
}

export function runRepo(db: Db): RunRepo {
  const insert = preparedInsert(db, bridgeRuns);
  return {
    *get(id) {
      const row = db.select().from(bridgeRuns).where(eq(bridgeRuns.id, id)).get();
      return row ? runRecord(row) : null;
    },
    *insert(run) {
      insert(runRow(run));
    },
    *finish(id, patch) {
      const { costCents, ...rest } = patch;
      const row = db
        .update(bridgeRuns)
        .set({ ...rest, ...(costCents !== undefined ? { costUnits: costCents === null ? null : centsToUnits(costCents) } : {}) } as never)
        .where(and(eq(bridgeRuns.id, id), eq(bridgeRuns.status, 'running')))
        .returning()
        .get();
      return row ? runRecord(row) : null;
    },
    *setProcess(id, p) {
      db.update(bridgeRuns).set({ pid: p.pid, processStart: p.processStart }).where(eq(bridgeRuns.id, id)).run();
    },
    *process(id) {
      return db.select({ pid: bridgeRuns.pid, processStart: bridgeRuns.processStart }).from(bridgeRuns).where(eq(bridgeRuns.id, id)).get() ?? { pid: null, processStart: null };
    },
    *requestCancel(id) {
      db.update(bridgeRuns).set({ cancelRequested: true }).where(and(eq(bridgeRuns.id, id), eq(bridgeRuns.status, 'running'))).run();
    },
    *cancelRequested(ids) {
      if (!ids.length) return [];
      return db
        .select({ id: bridgeRuns.id })
        .from(bridgeRuns)
        .where(and(inArray(bridgeRuns.id, ids), eq(bridgeRuns.cancelRequested, true), eq(bridgeRuns.status, 'running')))
        .all()
        .map((r) => r.id);
    },
    *orphaned(live) {
      return db
        .select()
        .from(bridgeRuns)
        .where(and(eq(bridgeRuns.status, 'running'), live.length ? notInArray(bridgeRuns.ownerInstanceId, live) : undefined))
        .orderBy(asc(bridgeRuns.ord))
        .all()
        .map(runRecord);
    },
    *runningInRealm(realmId) {
      // Through the status index, as `running` below: the realm's index would read every run it ever had.
      return db.select().from(bridgeRuns).where(and(eq(bridgeRuns.status, 'running'), eq(sql`coalesce(${bridgeRuns.realmId}, '')`, realmId))).all().map(runRecord);
    },
    *recent(realmId, limit) {
      return db.select().from(bridgeRuns).where(eq(bridgeRuns.realmId, realmId)).orderBy(desc(bridgeRuns.startedAt)).limit(limit).all().map(runRecord);
    },
    *running(realmId) {
      // coalesce() keeps the realm term off the realm's index (which would read every run the realm ever had):
      // the status index reads the running runs of the whole database, few however long the history grows.
      return db
        .select({ id: bridgeRuns.id, agentId: bridgeRuns.agentId, runtimeId: bridgeRuns.runtimeId, startedAt: bridgeRuns.startedAt })
        .from(bridgeRuns)
        .where(and(eq(bridgeRuns.status, 'running'), eq(sql`coalesce(${bridgeRuns.realmId}, '')`, realmId)))
        .all();
    },
    *startedSince(realmId, since, scope) {
      const row = db
        .select({ n: count() })
        .from(bridgeRuns)
        .where(
          and(
            scope.runtimeId !== undefined ? eq(bridgeRuns.runtimeId, scope.runtimeId) : undefined,
            eq(bridgeRuns.realmId, realmId),
            scope.agentId !== undefined ? eq(bridgeRuns.agentId, scope.agentId) : undefined,
            gte(bridgeRuns.startedAt, since),
          ),
        )
        .get();
      return row?.n ?? 0;
    },
    *recordCrossing(crossing) {
      return db.insert(guardCrossings).values(crossing).onConflictDoNothing().run().changes === 1;
    },
    *runningFor(realmId, agentId) {
      return db
        .select()
        .from(bridgeRuns)
        .where(and(eq(bridgeRuns.realmId, realmId), eq(bridgeRuns.agentId, agentId), eq(bridgeRuns.status, 'running')))
        .all()
        .map(runRecord);
    },
  };
}

export function sessionRepo(db: Db): SessionRepo {
  const key = (realmId: string, agentId: string, runtimeId: string) =>
    and(eq(agentSessions.realmId, realmId), eq(agentSessions.agentId, agentId), eq(agentSessions.runtimeId, runtimeId));
  return {
    *get(realmId, agentId, runtimeId) {
      return db.select({ sessionId: agentSessions.sessionId, usage: agentSessions.usage }).from(agentSessions).where(key(realmId, agentId, runtimeId)).get() ?? null;
    },
    *set(realmId, agentId, runtimeId, session, at) {
      db.insert(agentSessions)
        .values({ realmId, agentId, runtimeId, sessionId: session.sessionId, usage: session.usage, updatedAt: at })
        .onConflictDoUpdate({
          target: [agentSessions.realmId, agentSessions.agentId, agentSessions.runtimeId],
          set: { sessionId: sql`excluded.session_id`, usage: sql`excluded.usage`, updatedAt: sql`excluded.updated_at` },
        })
        .run();
    },
    *clear(realmId, agentId, runtimeId) {
      db.delete(agentSessions).where(key(realmId, agentId, runtimeId)).run();
    },
  };
}
