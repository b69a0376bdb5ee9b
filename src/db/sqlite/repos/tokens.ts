import { asc, eq, sql } from 'drizzle-orm';
import type { StoredToken } from '../../../domain/tokens/model.js';
import type { TokenRepo } from '../../../domain/store.js';
import { tokens } from '../../schema.js';
import { type Db, preparedInsert, withoutOrd } from './shared.js';

const record = (row: typeof tokens.$inferSelect) => withoutOrd(row) as StoredToken;

export function tokenRepo(db: Db): TokenRepo {
  const insert = preparedInsert(db, tokens);
  // Every HTTP request looks its token up: prepared once.
  const byId = db.select().from(tokens).where(eq(tokens.id, sql.placeholder('id'))).prepare();
  return {
    *insert(token) {
      insert(token);
    },
    *get(id) {
      const row = byId.get({ id });
      return row ? record(row) : null;
    },
    *all() {
      return db.select().from(tokens).orderBy(asc(tokens.ord)).all().map(record);
    },
    *revoke(id, at) {
      db.update(tokens).set({ revokedAt: at }).where(eq(tokens.id, id)).run();
    },
  };
}
