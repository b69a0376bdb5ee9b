import type { DomainContext } from '../context.js';
import { requireRealm } from '../realm/guards.js';
import type { Directive } from './model.js';

export interface DirectiveTreeNode extends Directive {
  children: DirectiveTreeNode[];
}

/** The realm's goals as a tree (children in priority, then age, order). */
export function directiveTree(ctx: DomainContext, realmId: string) {
  return ctx.store.read(function* (tx) {
    yield* requireRealm(tx, realmId);
    const all = yield* tx.directives.all(realmId);
    const nodes = new Map(all.map((d) => [d.id, { ...d, children: [] as DirectiveTreeNode[] }]));
    const roots: DirectiveTreeNode[] = [];
    for (const node of nodes.values()) {
      const parent = node.parentId ? nodes.get(node.parentId) : undefined;
      (parent ? parent.children : roots).push(node);
    }
    return { roots, count: all.length };
  });
}
