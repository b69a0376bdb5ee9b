import { notFound } from '../errors.js';
import type { Step, Tx } from '../store.js';
import type { Directive } from './model.js';

export function* requireDirective(tx: Tx, realmId: string, id: string, field = 'id'): Step<Directive> {
  const directive = yield* tx.directives.get(realmId, id);
  if (!directive) throw notFound('directive', id, { field, realmId });
  return directive;
}

/** The directive and its parents up to the root. A visited set stops at a loop, which the rules never store. */
export function* ancestryOf(tx: Tx, directive: Directive): Step<Directive[]> {
  const chain = [directive];
  const seen = new Set([directive.id]);
  for (let d = directive; d.parentId && !seen.has(d.parentId); ) {
    const parent = yield* tx.directives.get(directive.realmId, d.parentId);
    if (!parent) break;
    chain.push(parent);
    seen.add(parent.id);
    d = parent;
  }
  return chain;
}
