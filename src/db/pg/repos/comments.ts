import { and, asc, eq } from 'drizzle-orm';
import type { Comment } from '../../../domain/mission/model.js';
import type { CommentRepo } from '../../../domain/store.js';
import { after, type SortColumn } from '../../keyset.js';
import { comments } from '../schema.js';
import { type PgDb, q } from './shared.js';

type Row = typeof comments.$inferSelect;
export const commentRecord = ({ ord: _ord, realmId: _realmId, ...c }: Row): Comment => c;
/** A comment's row; its realm is set by the caller (in-realm.ts), since a comment record does not carry it. */
export const commentRow = (c: Comment) => c;

const oldestFirst: SortColumn[] = [{ column: comments.ord }];

export function commentRepo(db: PgDb): CommentRepo {
  return {
    *insert(comment) {
      yield* q(db.insert(comments).values(comment));
    },
    *page(realmId, missionId, query) {
      const rows = yield* q(
        db
          .select()
          .from(comments)
          .where(and(eq(comments.realmId, realmId), eq(comments.missionId, missionId), after(oldestFirst, query.after)))
          .orderBy(asc(comments.ord))
          .limit(query.limit),
      );
      return rows.map((row) => ({ record: commentRecord(row), key: [row.ord] }));
    },
  };
}
