import { appendAudit } from '../audit/chain.js';
import { isoNow } from '../clock.js';
import type { DomainContext } from '../context.js';
import { DomainError } from '../errors.js';
import { requireNode } from '../hierarchy/guards.js';
import { newId } from '../ids.js';
import { definedOnly, decodeCursor, toPage } from '../pagination.js';
import { requireRealm, requireWritableRealm } from '../realm/guards.js';
import { casOrConflict, checkVersion, givenFields } from '../versions.js';
import { ancestryOf, requireDirective } from './guards.js';
import type { CreateDirective, ListDirectives, UpdateDirective } from './inputs.js';
import type { Directive } from './model.js';
import type { Step, Tx } from '../store.js';
import { checkLevelUnder, directiveMoves } from './rules.js';

export function createDirective(ctx: DomainContext, input: CreateDirective): Promise<Directive> {
  return ctx.store.write(function* (tx) {
    yield* requireWritableRealm(tx, input.realmId);
    if (input.parentId) checkLevelUnder(input.level, yield* requireDirective(tx, input.realmId, input.parentId, 'parentId'));
    if (input.ownerAgentId) yield* requireNode(tx, input.realmId, input.ownerAgentId, 'ownerAgentId');
    const now = isoNow(ctx.clock);
    const directive: Directive = {
      id: newId('dir'),
      realmId: input.realmId,
      title: input.title,
      description: input.description ?? null,
      level: input.level,
      status: input.status,
      parentId: input.parentId ?? null,
      ownerAgentId: input.ownerAgentId ?? null,
      priority: input.priority,
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    yield* tx.directives.insert(directive);
    yield* appendAudit(tx, ctx.clock, {
      realmId: input.realmId,
      actor: ctx.principal,
      action: 'created',
      entityType: 'directive',
      entityId: directive.id,
      details: { title: directive.title, level: directive.level, parentId: directive.parentId },
    });
    tx.announce({ topic: 'directive.lifecycle', realmId: input.realmId, payload: { directiveId: directive.id, event: 'created' } });
    return directive;
  });
}

export const getDirective = (ctx: DomainContext, input: { realmId: string; id: string }) =>
  ctx.store.read(function* (tx) {
    yield* requireRealm(tx, input.realmId);
    return yield* requireDirective(tx, input.realmId, input.id);
  });

export function listDirectives(ctx: DomainContext, input: ListDirectives) {
  const { realmId, limit, cursor, ...rest } = input;
  const filters = definedOnly({ realmId, ...rest });
  const after = decodeCursor(cursor, filters);
  return ctx.store.read(function* (tx) {
    yield* requireRealm(tx, realmId);
    const page = toPage(yield* tx.directives.page(realmId, { ...rest, after, limit: limit + 1 }), limit, filters);
    return { directives: page.items, count: page.count, nextCursor: page.nextCursor };
  });
}

export function directiveAncestry(ctx: DomainContext, input: { realmId: string; id: string }) {
  return ctx.store.read(function* (tx) {
    yield* requireRealm(tx, input.realmId);
    const ancestry = yield* ancestryOf(tx, yield* requireDirective(tx, input.realmId, input.id));
    return { ancestry, depth: ancestry.length };
  });
}

export function updateDirective(ctx: DomainContext, input: UpdateDirective): Promise<Directive> {
  return ctx.store.write((tx) => patchDirective(tx, ctx, input));
}

/** The update as a step: an approved strategy_change proposal runs it inside its own transaction. */
export function* patchDirective(tx: Tx, ctx: DomainContext, input: UpdateDirective): Step<Directive> {
  yield* requireWritableRealm(tx, input.realmId);
  const directive = yield* requireDirective(tx, input.realmId, input.id);
  checkVersion('directive', directive.id, directive, input.expectedVersion);
  const moves = directiveMoves[directive.status];
  if (moves.length === 0) {
    throw new DomainError('invalid_transition', `directive ${directive.id} is ${directive.status}: it takes no more updates`, {
      from: directive.status,
      allowed: moves,
    });
  }
  if (input.status && input.status !== directive.status && !moves.includes(input.status)) {
    throw new DomainError('invalid_transition', `directive ${directive.id} cannot go from ${directive.status} to ${input.status}`, {
      from: directive.status,
      to: input.status,
      allowed: moves,
    });
  }
  if (input.parentId) {
    const parent = yield* requireDirective(tx, input.realmId, input.parentId, 'parentId');
    const above = yield* ancestryOf(tx, parent);
    if (above.some((d) => d.id === directive.id)) {
      const loop = [directive.id, ...above.slice(0, above.findIndex((d) => d.id === directive.id) + 1).map((d) => d.id)];
      throw new DomainError('cycle_detected', `directive ${parent.id} is under ${directive.id}: making it the parent would loop`, { loop });
    }
    checkLevelUnder(directive.level, parent);
  }
  if (input.ownerAgentId) yield* requireNode(tx, input.realmId, input.ownerAgentId, 'ownerAgentId');
  const patch = givenFields(input, ['title', 'description', 'status', 'priority', 'ownerAgentId', 'parentId']);
  const updated = casOrConflict(
    yield* tx.directives.update(input.realmId, directive.id, directive.version, { ...patch, updatedAt: isoNow(ctx.clock) } as Partial<Directive>),
    'directive', directive.id, directive,
  );
  yield* appendAudit(tx, ctx.clock, {
    realmId: input.realmId,
    actor: ctx.principal,
    action: 'updated',
    entityType: 'directive',
    entityId: directive.id,
    details: { fields: Object.keys(patch), ...(input.status && input.status !== directive.status ? { from: directive.status, to: input.status } : {}) },
  });
  tx.announce({ topic: 'directive.lifecycle', realmId: input.realmId, payload: { directiveId: directive.id, event: 'updated', status: updated.status } });
  return updated;
}
