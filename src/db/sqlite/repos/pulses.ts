import { and, asc, desc, eq, gte, isNotNull, lte, sql } from 'drizzle-orm';
import type { PulseConfig, PulseRun } from '../../../domain/pulse/model.js';
import type { ProcessRepo, PulseRepo } from '../../../domain/store.js';
import { instances, leases, pulseConfigs, pulseRuns, pulseSlots } from '../../schema.js';
import { casUpdate, type Db, preparedInsert, withoutOrd } from './shared.js';

type ConfigRow = typeof pulseConfigs.$inferSelect;
type RunRow = typeof pulseRuns.$inferSelect;
export const pulseConfigRecord = (row: ConfigRow) => withoutOrd(row) as PulseConfig;
export const pulseConfigRow = (c: PulseConfig) => c;
const pulseRunRecord = ({ ord: _o, scheduledFor: _s, ...r }: RunRow) => r as PulseRun;

export function pulseRepo(db: Db): PulseRepo {
  const insertConfig = preparedInsert(db, pulseConfigs);
  const key = (realmId: string, agentId: string) => and(eq(pulseConfigs.realmId, realmId), eq(pulseConfigs.agentId, agentId))!;
  return {
    *config(realmId, agentId) {
      const row = db.select().from(pulseConfigs).where(key(realmId, agentId)).get();
      return row ? pulseConfigRecord(row) : null;
    },
    *enabledConfigs() {
      return db.select().from(pulseConfigs).where(eq(pulseConfigs.enabled, true)).orderBy(asc(pulseConfigs.ord)).all().map(pulseConfigRecord);
    },
    *configs(realmId) {
      return db.select().from(pulseConfigs).where(eq(pulseConfigs.realmId, realmId)).orderBy(asc(pulseConfigs.ord)).all().map(pulseConfigRecord);
    },
    *insertConfig(config) {
      insertConfig(pulseConfigRow(config));
    },
    *updateConfig(realmId, agentId, version, patch) {
      const row = casUpdate<ConfigRow>(db, pulseConfigs, { realmId, agentId }, version, patch);
      return row ? pulseConfigRecord(row) : null;
    },
    *deleteConfig(realmId, agentId) {
      db.delete(pulseConfigs).where(key(realmId, agentId)).run();
    },
    *insertRun(run) {
      // The unique (realm, agent, scheduled_for) index makes a taken cron slot a no-op: one instance wins it.
      return db.insert(pulseRuns).values(run).onConflictDoNothing().run().changes === 1;
    },
    *updateRun(id, patch) {
      const row = db.update(pulseRuns).set(patch).where(eq(pulseRuns.id, id)).returning().get();
      return row ? pulseRunRecord(row) : null;
    },
    *run(id) {
      const row = db.select().from(pulseRuns).where(eq(pulseRuns.id, id)).get();
      return row ? pulseRunRecord(row) : null;
    },
    *latestRun(realmId, agentId) {
      const row = db.select().from(pulseRuns).where(and(eq(pulseRuns.realmId, realmId), eq(pulseRuns.agentId, agentId))).orderBy(desc(pulseRuns.ord)).limit(1).get();
      return row ? pulseRunRecord(row) : null;
    },
    *runs(realmId, agentId, limit) {
      return db.select().from(pulseRuns).where(and(eq(pulseRuns.realmId, realmId), eq(pulseRuns.agentId, agentId))).orderBy(desc(pulseRuns.ord)).limit(limit).all().map(pulseRunRecord);
    },
    *dueRetries(now) {
      return db.select().from(pulseRuns).where(and(isNotNull(pulseRuns.nextAttemptAt), lte(pulseRuns.nextAttemptAt, now))).orderBy(asc(pulseRuns.nextAttemptAt)).all().map(pulseRunRecord);
    },
    *claimRetry(id) {
      const row = db.update(pulseRuns).set({ nextAttemptAt: null }).where(and(eq(pulseRuns.id, id), isNotNull(pulseRuns.nextAttemptAt))).returning().get();
      return row ? pulseRunRecord(row) : null;
    },
    *claimSlot(realmId, agentId, scheduledFor, instanceId) {
      return db.insert(pulseSlots).values({ realmId, agentId, scheduledFor, claimedBy: instanceId }).onConflictDoNothing().run().changes === 1;
    },
    *runningFor(realmId, agentId) {
      return db.select().from(pulseRuns).where(and(eq(pulseRuns.realmId, realmId), eq(pulseRuns.agentId, agentId), eq(pulseRuns.status, 'running'))).all().map(pulseRunRecord);
    },
    *deadLetters(realmId, limit) {
      return db.select().from(pulseRuns).where(and(eq(pulseRuns.realmId, realmId), eq(pulseRuns.status, 'dead'))).orderBy(desc(pulseRuns.ord)).limit(limit).all().map(pulseRunRecord);
    },
  };
}

export function processRepo(db: Db): ProcessRepo {
  return {
    *register(i) {
      db.insert(instances).values({ id: i.id, pid: i.pid, host: i.host, startedAt: i.at, heartbeatAt: i.at }).onConflictDoNothing().run();
    },
    *heartbeat(id, at) {
      db.update(instances).set({ heartbeatAt: at }).where(eq(instances.id, id)).run();
    },
    *remove(id) {
      db.delete(instances).where(eq(instances.id, id)).run();
    },
    *live(since) {
      return db.select({ id: instances.id }).from(instances).where(gte(instances.heartbeatAt, since)).all().map((r) => r.id);
    },
    *lease(name, holder, now, expiresAt) {
      // Take it if free, expired, or already ours; one conditional upsert, so two processes never both win.
      const row = db
        .insert(leases)
        .values({ name, holder, expiresAt })
        .onConflictDoUpdate({
          target: leases.name,
          set: { holder: sql`excluded.holder`, expiresAt: sql`excluded.expires_at` },
          setWhere: sql`${leases.holder} = excluded.holder OR ${leases.expiresAt} < ${now}`,
        })
        .returning()
        .get();
      return row?.holder === holder;
    },
    *releaseLease(name, holder) {
      db.delete(leases).where(and(eq(leases.name, name), eq(leases.holder, holder))).run();
    },
  };
}
