import { and, asc, desc, eq } from 'drizzle-orm';
import type { Proposal } from '../../../domain/council/model.js';
import type { ProposalRepo } from '../../../domain/store.js';
import { after, type SortColumn } from '../../keyset.js';
import { proposals } from '../schema.js';
import { casUpdate, type PgDb, q, withoutOrd } from './shared.js';

type Row = typeof proposals.$inferSelect;
export const proposalRecord = (row: Row) => withoutOrd(row) as Proposal;
export const proposalRow = (p: Proposal) => p;

const newestFirst = [{ column: proposals.ord, desc: true }] satisfies SortColumn[];

export function proposalRepo(db: PgDb): ProposalRepo {
  return {
    *get(realmId, id) {
      const rows = yield* q(db.select().from(proposals).where(and(eq(proposals.realmId, realmId), eq(proposals.id, id))));
      return rows[0] ? proposalRecord(rows[0]) : null;
    },
    *insert(proposal) {
      yield* q(db.insert(proposals).values(proposalRow(proposal)));
    },
    *update(realmId, id, version, patch) {
      const row = yield* casUpdate<Row>(db, proposals, { realmId, id }, version, patch);
      return row ? proposalRecord(row) : null;
    },
    *page(realmId, query) {
      const rows = yield* q(
        db
          .select()
          .from(proposals)
          .where(
            and(
              eq(proposals.realmId, realmId),
              query.status ? eq(proposals.status, query.status) : undefined,
              query.kind ? eq(proposals.kind, query.kind) : undefined,
              after(newestFirst, query.after),
            ),
          )
          .orderBy(desc(proposals.ord))
          .limit(query.limit),
      );
      return rows.map((row) => ({ record: proposalRecord(row), key: [row.ord] }));
    },
    *pending(realmId) {
      const rows = yield* q(
        db
          .select()
          .from(proposals)
          .where(and(eq(proposals.realmId, realmId), eq(proposals.status, 'pending')))
          .orderBy(asc(proposals.ord)),
      );
      return rows.map(proposalRecord);
    },
  };
}
