import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { Proposal } from '../../../domain/council/model.js';
import type { ProposalRepo } from '../../../domain/store.js';
import { proposals } from '../../schema.js';
import { after, type SortColumn } from '../../keyset.js';
import { casUpdate, type Db, preparedInsert, withoutOrd } from './shared.js';

type Row = typeof proposals.$inferSelect;
export const proposalRecord = (row: Row) => withoutOrd(row) as Proposal;
export const proposalRow = (p: Proposal) => p;

const newestFirst: SortColumn[] = [{ column: proposals.ord, desc: true }];

export function proposalRepo(db: Db): ProposalRepo {
  const insert = preparedInsert(db, proposals);
  const one = db
    .select()
    .from(proposals)
    .where(and(eq(proposals.realmId, sql.placeholder('realmId')), eq(proposals.id, sql.placeholder('id'))))
    .prepare();
  return {
    *get(realmId, id) {
      const row = one.get({ realmId, id });
      return row ? proposalRecord(row) : null;
    },
    *insert(proposal) {
      insert(proposalRow(proposal));
    },
    *update(realmId, id, version, patch) {
      const row = casUpdate<Row>(db, proposals, { realmId, id }, version, patch);
      return row ? proposalRecord(row) : null;
    },
    *page(realmId, q) {
      const rows = db
        .select()
        .from(proposals)
        .where(
          and(
            eq(proposals.realmId, realmId),
            q.status ? eq(proposals.status, q.status) : undefined,
            q.kind ? eq(proposals.kind, q.kind) : undefined,
            after(newestFirst, q.after),
          ),
        )
        .orderBy(desc(proposals.ord))
        .limit(q.limit)
        .all();
      return rows.map((row) => ({ record: proposalRecord(row), key: [row.ord] }));
    },
    *pending(realmId) {
      return db
        .select()
        .from(proposals)
        .where(and(eq(proposals.realmId, realmId), eq(proposals.status, 'pending')))
        .orderBy(asc(proposals.ord))
        .all()
        .map(proposalRecord);
    },
  };
}
