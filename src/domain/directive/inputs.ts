import { z } from 'zod';
import { agentId, cursor, entityId, expectedVersion, limit, longText, realmId, title } from '../params.js';
import { directiveLevels, directiveStatuses, priorities } from './model.js';

const directiveId = entityId('directive (dir-...)');

export const CreateDirective = z.strictObject({
  realmId,
  title,
  level: z.enum(directiveLevels).describe('realm > team > agent > mission; a child may not be above its parent.'),
  description: longText.optional(),
  parentId: entityId('parent directive (dir-...)').optional(),
  ownerAgentId: agentId.optional().describe('The agent that owns the goal; it must be a node.'),
  priority: z.enum(priorities).default('normal'),
  status: z.enum(['draft', 'active']).default('active'),
});

export const GetDirective = z.strictObject({ realmId, id: directiveId });

export const ListDirectives = z.strictObject({
  realmId,
  level: z.enum(directiveLevels).optional(),
  status: z.enum(directiveStatuses).optional(),
  parentId: entityId('parent directive').optional(),
  ownerAgentId: agentId.optional(),
  limit,
  cursor: cursor.optional(),
});

export const UpdateDirective = z.strictObject({
  realmId,
  id: directiveId,
  title: title.optional(),
  description: longText.nullable().optional(),
  status: z.enum(directiveStatuses).optional(),
  priority: z.enum(priorities).optional(),
  ownerAgentId: agentId.nullable().optional(),
  parentId: entityId('new parent directive; null makes it a root').nullable().optional(),
  expectedVersion: expectedVersion.optional(),
});

export type CreateDirective = z.output<typeof CreateDirective>;
export type ListDirectives = z.output<typeof ListDirectives>;
export type UpdateDirective = z.output<typeof UpdateDirective>;
