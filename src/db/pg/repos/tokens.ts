import { asc, eq } from 'drizzle-orm';
import type { StoredToken } from '../../../domain/tokens/model.js';
import type { TokenRepo } from '../../../domain/store.js';
import { tokens } from '../schema.js';
import { named, selectList } from './named.js';
import { type PgDb, q, withoutOrd } from './shared.js';

const record = (row: typeof tokens.$inferSelect) => withoutOrd(row) as StoredToken;
// Every HTTP request looks its token up: a named statement.
const byId = { name: 'tokens_by_id', text: `SELECT ${selectList(tokens, 't')} FROM tokens t WHERE t.id = $1` };

export function tokenRepo(db: PgDb): TokenRepo {
  return {
    *insert(token) {
      yield* q(db.insert(tokens).values(token));
    },
    *get(id) {
      const [token] = yield* named<StoredToken>(db, byId, [id]);
      return token ?? null;
    },
    *all() {
      return (yield* q(db.select().from(tokens).orderBy(asc(tokens.ord)))).map(record);
    },
    *revoke(id, at) {
      yield* q(db.update(tokens).set({ revokedAt: at }).where(eq(tokens.id, id)));
    },
  };
}
