import { and, eq, lt, sql } from 'drizzle-orm';
import type { IdempotencyRecord, IdempotencyRepo } from '../../../domain/store.js';
import { idempotencyKeys } from '../schema.js';
import { type PgDb, q } from './shared.js';

const t = idempotencyKeys;
/** The row a holder reserved: its key, still pending, still at the createdAt it wrote. */
const held = (realmId: string, key: string, createdAt: string) =>
  and(eq(t.realmId, realmId), eq(t.key, key), eq(t.state, 'pending'), eq(t.createdAt, createdAt));

export function idempotencyRepo(db: PgDb): IdempotencyRepo {
  return {
    *reserve(row) {
      // Concurrent reservers of one key: the unique index makes the later ones wait for the first to commit
      // (or roll back), then do nothing; exactly one sees a row inserted.
      const result = yield* q(
        db
          .insert(t)
          .values({ ...row, result: null })
          .onConflictDoNothing({ target: [t.realmId, t.key] }),
      );
      return result.rowCount === 1;
    },
    *forgetRealm(realmId) {
      // Only the realm '' rows of realm_create are read. (`json` has no equality: the id is read out as text.)
      yield* q(db.delete(t).where(and(eq(t.realmId, ''), eq(t.function, 'realm_create'), sql`${t.result}->>'id' = ${realmId}::text`)));
    },
    *get(realmId, key) {
      const rows = yield* q(db.select().from(t).where(and(eq(t.realmId, realmId), eq(t.key, key))));
      const row = rows[0];
      return row ? { ...row, state: row.state as IdempotencyRecord['state'] } : null;
    },
    *replace(createdAt, row) {
      const { realmId, key, ...rest } = row;
      const result = yield* q(db.update(t).set(rest).where(and(eq(t.realmId, realmId), eq(t.key, key), eq(t.createdAt, createdAt))));
      return result.rowCount === 1;
    },
    *renew(realmId, key, createdAt, at) {
      const result = yield* q(db.update(t).set({ createdAt: at }).where(held(realmId, key, createdAt)));
      return result.rowCount === 1;
    },
    *complete(realmId, key, createdAt, result) {
      yield* q(db.update(t).set({ state: 'done', result }).where(held(realmId, key, createdAt)));
    },
    *release(realmId, key, createdAt) {
      yield* q(db.delete(t).where(held(realmId, key, createdAt)));
    },
    *prune(before) {
      const result = yield* q(db.delete(t).where(lt(t.createdAt, before)));
      return result.rowCount ?? 0;
    },
  };
}
