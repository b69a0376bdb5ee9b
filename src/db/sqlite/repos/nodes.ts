import { and, asc, count, desc, eq, ne, sql } from 'drizzle-orm';
import type { Node } from '../../../domain/hierarchy/model.js';
import type { NodeRepo } from '../../../domain/store.js';
import { nodes } from '../../schema.js';
import { casUpdate, type Db, preparedInsert, withoutOrd } from './shared.js';

type Row = typeof nodes.$inferSelect;
export const nodeRecord = (row: Row) => withoutOrd(row) as Node;
export const nodeRow = (node: Node) => node;

export function nodeRepo(db: Db): NodeRepo {
  const insert = preparedInsert(db, nodes);
  const key = (realmId: string, agentId: string) => and(eq(nodes.realmId, realmId), eq(nodes.agentId, agentId))!;
  const one = db
    .select()
    .from(nodes)
    .where(and(eq(nodes.realmId, sql.placeholder('realmId')), eq(nodes.agentId, sql.placeholder('agentId'))))
    .prepare();
  const all = db
    .select()
    .from(nodes)
    .where(eq(nodes.realmId, sql.placeholder('realmId')))
    .orderBy(desc(nodes.rank), asc(nodes.agentId))
    .prepare();
  const live = db
    .select({ n: count() })
    .from(nodes)
    .where(and(eq(nodes.realmId, sql.placeholder('realmId')), ne(nodes.status, 'terminated')))
    .prepare();
  return {
    *get(realmId, agentId) {
      const row = one.get({ realmId, agentId });
      return row ? nodeRecord(row) : null;
    },
    *all(realmId) {
      return all.all({ realmId }).map(nodeRecord);
    },
    *countLive(realmId) {
      return live.get({ realmId })?.n ?? 0;
    },
    *insert(node) {
      insert(nodeRow(node));
    },
    *update(realmId, agentId, version, patch) {
      const row = casUpdate<Row>(db, nodes, { realmId, agentId }, version, patch);
      return row ? nodeRecord(row) : null;
    },
    *delete(realmId, agentId) {
      db.delete(nodes).where(key(realmId, agentId)).run();
    },
  };
}
