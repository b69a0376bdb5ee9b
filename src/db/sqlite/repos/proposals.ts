import { and, asc, eq, sql } from 'drizzle-orm';
import type { Proposal } from '../../../domain/council/model.js';
import type { ProposalRepo } from '../../../domain/store.js';
import { proposals } from '../../schema.js';
import type { SortColumn } from '../../keyset.js';
import { keysetPages } from './keyset-pages.js';
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
  const page = keysetPages<Proposal>(db, proposals, { filters: ['realmId', 'status', 'kind'], order: newestFirst });
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
      return page({ realmId, status: q.status, kind: q.kind }, q.after, q.limit);
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
