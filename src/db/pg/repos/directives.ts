import * as sqlite from '../../sqlite/repos/directives.js';
import { and, asc, eq } from 'drizzle-orm';
import { priorities, type Directive } from '../../../domain/directive/model.js';
import type { DirectiveRepo } from '../../../domain/store.js';
import { after, type SortColumn } from '../../keyset.js';
import { directives } from '../schema.js';
import { casUpdate, type PgDb, q } from './shared.js';

type Row = typeof directives.$inferSelect;
// The row mappers are the SQLite store's: pure functions of a row with the same fields.
export const directiveRecord = (row: Row): Directive => sqlite.directiveRecord(row as never);
export const directiveRow = sqlite.directiveRow;

const order: SortColumn[] = [{ column: directives.priority }, { column: directives.createdAt }, { column: directives.ord }];
const byOrder = [asc(directives.priority), asc(directives.createdAt), asc(directives.ord)];

export function directiveRepo(db: PgDb): DirectiveRepo {
  return {
    *get(realmId, id) {
      const [row] = yield* q(db.select().from(directives).where(and(eq(directives.realmId, realmId), eq(directives.id, id))));
      return row ? directiveRecord(row) : null;
    },
    *insert(directive) {
      yield* q(db.insert(directives).values(directiveRow(directive)));
    },
    *update(realmId, id, version, patch) {
      const stored = patch.priority === undefined ? patch : { ...patch, priority: priorities.indexOf(patch.priority) };
      const row = yield* casUpdate<Row>(db, directives, { realmId, id }, version, stored);
      return row ? directiveRecord(row) : null;
    },
    *page(realmId, query) {
      const rows = yield* q(
        db
          .select()
          .from(directives)
          .where(
            and(
              eq(directives.realmId, realmId),
              query.level ? eq(directives.level, query.level) : undefined,
              query.status ? eq(directives.status, query.status) : undefined,
              query.parentId ? eq(directives.parentId, query.parentId) : undefined,
              query.ownerAgentId ? eq(directives.ownerAgentId, query.ownerAgentId) : undefined,
              after(order, query.after),
            ),
          )
          .orderBy(...byOrder)
          .limit(query.limit),
      );
      return rows.map((row) => ({ record: directiveRecord(row), key: [row.priority, row.createdAt, row.ord] }));
    },
    *all(realmId) {
      return (yield* q(db.select().from(directives).where(eq(directives.realmId, realmId)).orderBy(...byOrder))).map(directiveRecord);
    },
    *ownedBy(realmId, agentId) {
      return (yield* q(
        db
          .select()
          .from(directives)
          .where(and(eq(directives.realmId, realmId), eq(directives.ownerAgentId, agentId)))
          .orderBy(asc(directives.ord)),
      )).map(directiveRecord);
    },
  };
}
