import { appendAudit } from '../audit/chain.js';
import { isoNow } from '../clock.js';
import type { DomainContext } from '../context.js';
import { requireStanding } from '../hierarchy/guards.js';
import { newId } from '../ids.js';
import { decodeCursor, toPage } from '../pagination.js';
import { actorFrom } from '../principal.js';
import { requireRealm, requireWritableRealm } from '../realm/guards.js';
import { requireMission } from './guards.js';
import { renewHolderLease, requireFence } from './lease.js';
import type { AddComment, ListComments } from './inputs.js';
import type { Comment } from './model.js';

export function addComment(ctx: DomainContext, input: AddComment): Promise<Comment> {
  return ctx.store.write(function* (tx) {
    const realm = yield* requireWritableRealm(tx, input.realmId);
    yield* requireStanding(tx, ctx.principal, input.realmId);
    const mission = yield* requireMission(tx, input.realmId, input.missionId, 'missionId');
    requireFence(mission, input.fence);
    yield* renewHolderLease(tx, ctx.clock, realm.fleet, mission, input.authorId);
    const comment: Comment = {
      id: newId('cmt'),
      missionId: input.missionId,
      authorId: input.authorId,
      body: input.body,
      createdAt: isoNow(ctx.clock),
    };
    yield* tx.comments.insert({ ...comment, realmId: input.realmId });
    yield* appendAudit(tx, ctx.clock, {
      realmId: input.realmId,
      actor: actorFrom(ctx.principal, input.authorId),
      action: 'commented',
      entityType: 'mission',
      entityId: input.missionId,
      details: { commentId: comment.id },
    });
    tx.announce({ topic: 'mission.lifecycle', realmId: input.realmId, payload: { missionId: input.missionId, event: 'commented' } });
    return comment;
  });
}

export function listComments(ctx: DomainContext, input: ListComments) {
  const filters = { realmId: input.realmId, missionId: input.missionId };
  const after = decodeCursor(input.cursor, filters);
  return ctx.store.read(function* (tx) {
    yield* requireRealm(tx, input.realmId);
    yield* requireMission(tx, input.realmId, input.missionId, 'missionId');
    const rows = yield* tx.comments.page(input.realmId, input.missionId, { after, limit: input.limit + 1 });
    const page = toPage(rows, input.limit, filters);
    return { comments: page.items, count: page.count, nextCursor: page.nextCursor };
  });
}
