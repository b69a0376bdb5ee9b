import { z } from 'zod';
import type { ActorKind } from '../principal.js';

export const actorKinds = ['agent', 'human', 'system'] as const satisfies readonly ActorKind[];

export const AuditEntry = z.object({
  id: z.string(),
  realmId: z.string(),
  seq: z.number().int(),
  actorKind: z.enum(actorKinds),
  actorId: z.string(),
  action: z.string(),
  entityType: z.string(),
  entityId: z.string(),
  details: z.unknown(),
  prevHash: z.string(),
  hash: z.string(),
  timestamp: z.string(),
});
export type AuditEntry = z.infer<typeof AuditEntry> & { details: unknown };

/** What the store keeps: `details` as the exact canonical text that was hashed. */
export interface StoredAuditEntry extends Omit<AuditEntry, 'details'> {
  details: string | null;
}

