import { and, eq, lt, sql } from 'drizzle-orm';
import type { IdempotencyRecord, IdempotencyRepo } from '../../../domain/store.js';
import { idempotencyKeys } from '../../schema.js';
import type { Db } from './shared.js';

const t = idempotencyKeys;
/** The row a holder reserved: its key, still pending, still at the createdAt it wrote. */
const held = (realmId: string, key: string, createdAt: string) =>
  and(eq(t.realmId, realmId), eq(t.key, key), eq(t.state, 'pending'), eq(t.createdAt, createdAt));

export function idempotencyRepo(db: Db): IdempotencyRepo {
  const insert = db
    .insert(t)
    .values({
      realmId: sql.placeholder('realmId'), key: sql.placeholder('key'), function: sql.placeholder('function'), inputHash: sql.placeholder('inputHash'),
      state: sql.placeholder('state'), result: sql.placeholder('result'), createdAt: sql.placeholder('createdAt'),
    })
    .onConflictDoNothing()
    .prepare();
  const byKey = db.select().from(t).where(and(eq(t.realmId, sql.placeholder('realmId')), eq(t.key, sql.placeholder('key')))).prepare();
  return {
    *reserve(row) {
      // (A placeholder bypasses the json column's encoding: a pending row's result is null anyway.)
      return insert.run({ ...row, result: null }).changes === 1;
    },
    *forgetRealm(realmId) {
      // (json_extract is SQLite's; PostgreSQL: result->>'id'.) Only the realm '' rows of realm_create are read.
      db.delete(t).where(and(eq(t.realmId, ''), eq(t.function, 'realm_create'), sql`json_extract(${t.result}, '$.id') = ${realmId}`)).run();
    },
    *get(realmId, key) {
      const row = byKey.get({ realmId, key });
      return row ? ({ ...row, state: row.state as IdempotencyRecord['state'] }) : null;
    },
    *replace(createdAt, row) {
      const { realmId, key, ...rest } = row;
      return db.update(t).set(rest).where(and(eq(t.realmId, realmId), eq(t.key, key), eq(t.createdAt, createdAt))).run().changes === 1;
    },
    *renew(realmId, key, createdAt, at) {
      return db.update(t).set({ createdAt: at }).where(held(realmId, key, createdAt)).run().changes === 1;
    },
    *complete(realmId, key, createdAt, result) {
      db.update(t).set({ state: 'done', result }).where(held(realmId, key, createdAt)).run();
    },
    *release(realmId, key, createdAt) {
      db.delete(t).where(held(realmId, key, createdAt)).run();
    },
    *prune(before) {
      return db.delete(t).where(lt(t.createdAt, before)).run().changes;
    },
  };
}
