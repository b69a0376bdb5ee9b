import { asc, eq } from 'drizzle-orm';
import type { StoredToken } from '../../../domain/tokens/model.js';
import type { TokenRepo } from '../../../domain/store.js';
import { tokens } from '../schema.js';
import { type PgDb, q, withoutOrd } from './shared.js';

const record = (row: typeof tokens.$inferSelect) => withoutOrd(row) as StoredToken;

export function tokenRepo(db: PgDb): TokenRepo {
  return {
    *insert(token) {
      yield* q(db.insert(tokens).values(token));
    },
    *get(id) {
      const [row] = yield* q(db.select().from(tokens).where(eq(tokens.id, id)));
      return row ? record(row) : null;
    },
    *all() {
      return (yield* q(db.select().from(tokens).orderBy(asc(tokens.ord)))).map(record);
    },
    *revoke(id, at) {
      yield* q(db.update(tokens).set({ revokedAt: at }).where(eq(tokens.id, id)));
    },
  };
}
