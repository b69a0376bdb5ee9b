import { z } from 'zod';
import { priorities } from '../directive/model.js';

export const missionStatuses = ['backlog', 'queued', 'active', 'review', 'blocked', 'complete', 'cancelled', 'failed'] as const;
export type MissionStatus = (typeof missionStatuses)[number];

export const Mission = z.object({
  id: z.string(),
  realmId: z.string(),
  directiveId: z.string().nullable(),
  parentId: z.string().nullable(),
  title: z.string(),
  description: z.string().nullable(),
  status: z.enum(missionStatuses),
  priority: z.enum(priorities),
  assigneeId: z.string().nullable(),
  createdBy: z.string(),
  billingCode: z.string().nullable(),
  requiredCapabilities: z.array(z.string()),
  blockedBy: z.array(z.string()),
  region: z.string().nullable(),
  attempts: z.number().int(),
  maxAttempts: z.number().int().nullable(),
  retryAt: z.string().nullable(),
  lastError: z.string().nullable(),
  fence: z.number().int(),
  leaseExpiresAt: z.string().nullable(),
  version: z.number().int(),
  startedAt: z.string().nullable(),
  completedAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Mission = z.infer<typeof Mission>;

/** A new mission's retry and lease fields: never tried, never held. */
export const untriedMission = { attempts: 0, retryAt: null, lastError: null, fence: 0, leaseExpiresAt: null } as const;

export const Comment = z.object({
  id: z.string(),
  missionId: z.string(),
  authorId: z.string(),
  body: z.string(),
  createdAt: z.string(),
});
export type Comment = z.infer<typeof Comment>;
