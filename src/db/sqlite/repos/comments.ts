import { and, asc, eq } from 'drizzle-orm';
import type { Comment } from '../../../domain/mission/model.js';
import type { CommentRepo } from '../../../domain/store.js';
import { comments } from '../../schema.js';
import { after, type SortColumn } from '../../keyset.js';
import { type Db, preparedInsert } from './shared.js';

type Row = typeof comments.$inferSelect;
export const commentRecord = ({ ord: _ord, realmId: _realmId, ...c }: Row): Comment => c;
/** A comment's row; its realm is set by the caller (in-realm.ts), since a comment record does not carry it. */
export const commentRow = (c: Comment) => c;

const oldestFirst: SortColumn[] = [{ column: comments.ord }];

export function commentRepo(db: Db): CommentRepo {
  const insert = preparedInsert(db, comments);
  return {
    *insert(comment) {
      insert(comment);
    },
    *page(realmId, missionId, q) {
      const rows = db
        .select()
        .from(comments)
        .where(and(eq(comments.realmId, realmId), eq(comments.missionId, missionId), after(oldestFirst, q.after)))
        .orderBy(asc(comments.ord))
        .limit(q.limit)
        .all();
      return rows.map((row) => ({ record: commentRecord(row), key: [row.ord] }));
    },
  };
}
