import { z } from 'zod';

// Listed from the top down: a child's level may not come before its parent's.
export const directiveLevels = ['realm', 'team', 'agent', 'mission'] as const;
export type DirectiveLevel = (typeof directiveLevels)[number];

export const directiveStatuses = ['draft', 'active', 'paused', 'completed', 'cancelled'] as const;
export type DirectiveStatus = (typeof directiveStatuses)[number];

// Stored as the index (critical 0 ... low 3) so that it sorts.
export const priorities = ['critical', 'high', 'normal', 'low'] as const;
export type Priority = (typeof priorities)[number];

export const Directive = z.object({
  id: z.string(),
  realmId: z.string(),
  title: z.string(),
  description: z.string().nullable(),
  level: z.enum(directiveLevels),
  status: z.enum(directiveStatuses),
  parentId: z.string().nullable(),
  ownerAgentId: z.string().nullable(),
  priority: z.enum(priorities),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Directive = z.infer<typeof Directive>;
