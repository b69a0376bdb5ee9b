import { invalidInput } from '../errors.js';
import { directiveLevels, type Directive, type DirectiveLevel, type DirectiveStatus } from './model.js';

export const directiveMoves: Record<DirectiveStatus, readonly DirectiveStatus[]> = {
  draft: ['active', 'cancelled'],
  active: ['paused', 'completed', 'cancelled'],
  paused: ['active', 'cancelled'],
  completed: [],
  cancelled: [],
};

/** realm > team > agent > mission: a child may sit at its parent's level or below, never above. */
export function checkLevelUnder(level: DirectiveLevel, parent: Directive) {
  if (directiveLevels.indexOf(level) < directiveLevels.indexOf(parent.level)) {
    throw invalidInput('level', `a ${level}-level directive cannot sit under a ${parent.level}-level one (realm > team > agent > mission)`, {
      parentId: parent.id,
      parentLevel: parent.level,
    });
  }
}
