import { and, asc, eq, sql } from 'drizzle-orm';
import { priorities, type Directive } from '../../../domain/directive/model.js';
import type { DirectiveRepo } from '../../../domain/store.js';
import { directives } from '../../schema.js';
import type { SortColumn } from '../../keyset.js';
import { keysetPages } from './keyset-pages.js';
import { casUpdate, type Db, preparedInsert, priorityFromRank, withoutOrd } from './shared.js';

type Row = typeof directives.$inferSelect;
export const directiveRecord = (row: Row) =>
  ({ ...withoutOrd(row), priority: priorities[row.priority] }) as Directive;
export const directiveRow = (d: Directive) => ({ ...d, priority: priorities.indexOf(d.priority) });

const order: SortColumn[] = [{ column: directives.priority }, { column: directives.createdAt }, { column: directives.ord }];

export function directiveRepo(db: Db): DirectiveRepo {
  const insert = preparedInsert(db, directives);
  const one = db
    .select()
    .from(directives)
    .where(and(eq(directives.realmId, sql.placeholder('realmId')), eq(directives.id, sql.placeholder('id'))))
    .prepare();
  const page = keysetPages<Directive>(db, directives, {
    filters: ['realmId', 'level', 'status', 'parentId', 'ownerAgentId'],
    order,
    decoders: priorityFromRank,
  });
  return {
    *get(realmId, id) {
      const row = one.get({ realmId, id });
      return row ? directiveRecord(row) : null;
    },
    *insert(directive) {
      insert(directiveRow(directive));
    },
    *update(realmId, id, version, patch) {
      const stored = patch.priority === undefined ? patch : { ...patch, priority: priorities.indexOf(patch.priority) };
      const row = casUpdate<Row>(db, directives, { realmId, id }, version, stored);
      return row ? directiveRecord(row) : null;
    },
    *page(realmId, q) {
      return page({ realmId, level: q.level, status: q.status, parentId: q.parentId, ownerAgentId: q.ownerAgentId }, q.after, q.limit);
    },
    *all(realmId) {
      return db
        .select()
        .from(directives)
        .where(eq(directives.realmId, realmId))
        .orderBy(asc(directives.priority), asc(directives.createdAt), asc(directives.ord))
        .all()
        .map(directiveRecord);
    },
    *ownedBy(realmId, agentId) {
      return db
        .select()
        .from(directives)
        .where(and(eq(directives.realmId, realmId), eq(directives.ownerAgentId, agentId)))
        .orderBy(asc(directives.ord))
        .all()
        .map(directiveRecord);
    },
  };
}
