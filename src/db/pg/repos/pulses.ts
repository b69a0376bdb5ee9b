// Pulses and server processes on PostgreSQL: src/db/sqlite/repos/pulses.ts statement for statement, each
// query a step of the unit of work. What makes schedules exactly-once across instances is that every claim is
// one statement only one transaction can win: a slot or a cron run is an INSERT ... ON CONFLICT DO NOTHING
// RETURNING (the loser waits on the winner's index entry, then inserts nothing); a retry is taken by a
// conditional UPDATE (the loser re-reads the row after the winner commits and no longer matches); the named
// lease is a conditional upsert (taken when free, expired or already ours).
import { and, asc, desc, eq, gte, isNotNull, lte, sql } from 'drizzle-orm';
import type { PulseConfig, PulseRun } from '../../../domain/pulse/model.js';
import type { ProcessRepo, PulseRepo } from '../../../domain/store.js';
import { instances, leases, pulseConfigs, pulseRuns, pulseSlots } from '../schema.js';
import { casUpdate, type PgDb, q, withoutOrd } from './shared.js';

type ConfigRow = typeof pulseConfigs.$inferSelect;
type RunRow = typeof pulseRuns.$inferSelect;
export const pulseConfigRecord = (row: ConfigRow) => withoutOrd(row) as PulseConfig;
export const pulseConfigRow = (c: PulseConfig) => c;
const pulseRunRecord = ({ ord: _o, scheduledFor: _s, ...r }: RunRow) => r as PulseRun;

export function pulseRepo(db: PgDb): PulseRepo {
  const key = (realmId: string, agentId: string) => and(eq(pulseConfigs.realmId, realmId), eq(pulseConfigs.agentId, agentId))!;
  const ofAgent = (realmId: string, agentId: string) => and(eq(pulseRuns.realmId, realmId), eq(pulseRuns.agentId, agentId));
  return {
    *config(realmId, agentId) {
      const [row] = yield* q(db.select().from(pulseConfigs).where(key(realmId, agentId)));
      return row ? pulseConfigRecord(row) : null;
    },
    *enabledConfigs() {
      const rows = yield* q(db.select().from(pulseConfigs).where(eq(pulseConfigs.enabled, true)).orderBy(asc(pulseConfigs.ord)));
      return rows.map(pulseConfigRecord);
    },
    *configs(realmId) {
      const rows = yield* q(db.select().from(pulseConfigs).where(eq(pulseConfigs.realmId, realmId)).orderBy(asc(pulseConfigs.ord)));
      return rows.map(pulseConfigRecord);
    },
    *insertConfig(config) {
      yield* q(db.insert(pulseConfigs).values(pulseConfigRow(config)));
    },
    *updateConfig(realmId, agentId, version, patch) {
      const row = yield* casUpdate<ConfigRow>(db, pulseConfigs, { realmId, agentId }, version, patch);
      return row ? pulseConfigRecord(row) : null;
    },
    *deleteConfig(realmId, agentId) {
      yield* q(db.delete(pulseConfigs).where(key(realmId, agentId)));
    },
    *insertRun(run) {
      // The partial unique (realm, agent, scheduled_for) index makes a taken cron slot a no-op: one instance
      // wins it. No conflict target, as SQLite's INSERT OR IGNORE: any unique index (the slot, the id) counts.
      const rows = yield* q(db.insert(pulseRuns).values(run).onConflictDoNothing().returning({ id: pulseRuns.id }));
      return rows.length === 1;
    },
    *updateRun(id, patch) {
      const [row] = yield* q(db.update(pulseRuns).set(patch).where(eq(pulseRuns.id, id)).returning());
      return row ? pulseRunRecord(row) : null;
    },
    *run(id) {
      const [row] = yield* q(db.select().from(pulseRuns).where(eq(pulseRuns.id, id)));
      return row ? pulseRunRecord(row) : null;
    },
    *latestRun(realmId, agentId) {
      const [row] = yield* q(db.select().from(pulseRuns).where(ofAgent(realmId, agentId)).orderBy(desc(pulseRuns.ord)).limit(1));
      return row ? pulseRunRecord(row) : null;
    },
    *runs(realmId, agentId, limit) {
      const rows = yield* q(db.select().from(pulseRuns).where(ofAgent(realmId, agentId)).orderBy(desc(pulseRuns.ord)).limit(limit));
      return rows.map(pulseRunRecord);
    },
    *dueRetries(now) {
      const rows = yield* q(
        db.select().from(pulseRuns).where(and(isNotNull(pulseRuns.nextAttemptAt), lte(pulseRuns.nextAttemptAt, now))).orderBy(asc(pulseRuns.nextAttemptAt)),
      );
      return rows.map(pulseRunRecord);
    },
    *claimRetry(id) {
      // Conditional: of the instances that saw the same due retry, the first to clear next_attempt_at gets it;
      // the others wait on its row lock, re-check the condition on the committed row, and match nothing.
      const [row] = yield* q(db.update(pulseRuns).set({ nextAttemptAt: null }).where(and(eq(pulseRuns.id, id), isNotNull(pulseRuns.nextAttemptAt))).returning());
      return row ? pulseRunRecord(row) : null;
    },
    *claimSlot(realmId, agentId, scheduledFor, instanceId) {
      const rows = yield* q(
        db
          .insert(pulseSlots)
          .values({ realmId, agentId, scheduledFor, claimedBy: instanceId })
          .onConflictDoNothing({ target: [pulseSlots.realmId, pulseSlots.agentId, pulseSlots.scheduledFor] })
          .returning({ claimedBy: pulseSlots.claimedBy }),
      );
      return rows.length === 1;
    },
    *runningFor(realmId, agentId) {
      const rows = yield* q(db.select().from(pulseRuns).where(and(ofAgent(realmId, agentId), eq(pulseRuns.status, 'running'))));
      return rows.map(pulseRunRecord);
    },
    *deadLetters(realmId, limit) {
      const rows = yield* q(
        db.select().from(pulseRuns).where(and(eq(pulseRuns.realmId, realmId), eq(pulseRuns.status, 'dead'))).orderBy(desc(pulseRuns.ord)).limit(limit),
      );
      return rows.map(pulseRunRecord);
    },
  };
}

export function processRepo(db: PgDb): ProcessRepo {
  return {
    *register(i) {
      yield* q(db.insert(instances).values({ id: i.id, pid: i.pid, host: i.host, startedAt: i.at, heartbeatAt: i.at }).onConflictDoNothing());
    },
    *heartbeat(id, at) {
      yield* q(db.update(instances).set({ heartbeatAt: at }).where(eq(instances.id, id)));
    },
    *remove(id) {
      yield* q(db.delete(instances).where(eq(instances.id, id)));
    },
    *live(since) {
      const rows = yield* q(db.select({ id: instances.id }).from(instances).where(gte(instances.heartbeatAt, since)));
      return rows.map((r) => r.id);
    },
    *lease(name, holder, now, expiresAt) {
      // Take it if free, expired, or already ours; one conditional upsert, so two instances never both win: a
      // concurrent taker waits on the row the first one inserted or updated, then finds it held and unexpired
      // (the WHERE fails, nothing is returned). The existing row is named by its table: unqualified, PostgreSQL
      // could not tell it from `excluded`.
      const rows = yield* q(
        db
          .insert(leases)
          .values({ name, holder, expiresAt })
          .onConflictDoUpdate({
            target: leases.name,
            set: { holder: sql`excluded.holder`, expiresAt: sql`excluded.expires_at` },
            setWhere: sql`${leases}.holder = excluded.holder OR ${leases}.expires_at < ${now}`,
          })
          .returning({ holder: leases.holder }),
      );
      return rows[0]?.holder === holder;
    },
    *releaseLease(name, holder) {
      yield* q(db.delete(leases).where(and(eq(leases.name, name), eq(leases.holder, holder))));
    },
  };
}
