import { z } from 'zod';
import { FleetSettings } from '../fleet/settings.js';

export const realmStatuses = ['active', 'suspended', 'archived'] as const;
export type RealmStatus = (typeof realmStatuses)[number];

export const jsonObject = z.record(z.string(), z.unknown());

export const Realm = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  status: z.enum(realmStatuses),
  owner: z.string(),
  defaultModel: z.string().nullable(),
  maxAgents: z.number().int().nullable(),
  metadata: jsonObject.nullable(),
  fleet: FleetSettings,
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Realm = z.infer<typeof Realm>;
