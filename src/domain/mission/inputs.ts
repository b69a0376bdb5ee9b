import { z } from 'zod';
import { priorities } from '../directive/model.js';
import { agentId, capabilities, cursor, entityId, expectedVersion, limit, longText, principalId, realmId, text, title } from '../params.js';
import { blockedBy, leaseFence, maxAttempts, missionRegion } from './fields.js';
import { missionStatuses } from './model.js';

const missionId = entityId('mission (msn-...)');

export const CreateMission = z.strictObject({
  realmId,
  title,
  createdBy: principalId('Who asks for the work (any principal id; need not be a node).'),
  description: longText.optional(),
  priority: z.enum(priorities).default('normal'),
  directiveId: entityId('directive (dir-...) this mission serves').optional(),
  parentId: entityId('parent mission (msn-...)').optional(),
  billingCode: text(128).optional().describe('A label that spend on this mission is reported under.'),
  requiredCapabilities: capabilities.optional().describe('Capabilities an agent needs to check the mission out.'),
  status: z.enum(['backlog', 'queued']).default('backlog'),
  blockedBy: blockedBy.optional(),
  region: missionRegion.optional(),
  maxAttempts: maxAttempts.optional(),
});

export const Checkout = z.strictObject({
  realmId,
  id: missionId,
  agentId: agentId.describe('The agent taking the mission; it must be an active node with the required capabilities.'),
  expectedVersion: expectedVersion.optional(),
});

export const Release = z.strictObject({
  realmId,
  id: missionId,
  agentId: agentId.describe('The assignee, or an agent above it in its chain of command.'),
  expectedVersion: expectedVersion.optional(),
  fence: leaseFence.optional(),
});

export const Transition = z.strictObject({
  realmId,
  id: missionId,
  status: z.enum(missionStatuses),
  agentId: agentId.describe('Who moves it: the assignee, the creator, or an agent above the assignee.'),
  reason: longText.optional(),
  expectedVersion: expectedVersion.optional(),
  fence: leaseFence.optional(),
});

export const ListMissions = z.strictObject({
  realmId,
  status: z.enum(missionStatuses).optional(),
  assigneeId: agentId.optional(),
  directiveId: entityId('directive').optional(),
  priority: z.enum(priorities).optional(),
  limit,
  cursor: cursor.optional(),
});

export const AddComment = z.strictObject({
  realmId,
  missionId,
  authorId: principalId('Who writes the comment (any principal id).'),
  body: longText,
  fence: leaseFence.optional(),
});

export const ClaimNext = z.strictObject({
  realmId,
  agentId: agentId.describe('The agent asking for work: an active node, not offline, draining or failed, within budget.'),
  region: text(64).optional().describe("Prefer missions in this region (default: the region of the agent's last heartbeat)."),
});

export const FailMission = z.strictObject({
  realmId,
  id: missionId,
  agentId: agentId.describe('The assignee, or an agent above it in its chain of command.'),
  reason: longText.describe('What went wrong (kept as the mission\'s lastError).'),
  retryable: z.boolean().default(true).describe('false: a dead letter at once, whatever the attempts left.'),
  fence: leaseFence.optional(),
});

export const MissionQueue = z.strictObject({ realmId });

export const ListComments = z.strictObject({ realmId, missionId, limit, cursor: cursor.optional() });

export const UpdateMission = z.strictObject({
  realmId,
  id: missionId,
  agentId: agentId.describe(
    'Who makes the change: the creator, the assignee or an agent above it (an operator or admin acting under a human id, human:..., may make any change).',
  ),
  title: title.optional(),
  description: longText.nullable().optional(),
  priority: z.enum(priorities).optional(),
  requiredCapabilities: capabilities.optional().describe('Capabilities an agent needs to take it (replaces the list).'),
  directiveId: entityId('directive (dir-...) this mission serves; null unlinks it').nullable().optional(),
  maxAttempts: maxAttempts.nullable().optional(),
  region: missionRegion.nullable().optional(),
  blockedBy: blockedBy.optional().describe('Replaces the blocker list ([] removes every blocker); a loop is cycle_detected.'),
  assigneeId: agentId
    .optional()
    .describe('Delegation: the agent to give the mission to (an active node with the required capabilities, at or under agentId).'),
  expectedVersion: expectedVersion.optional(),
  fence: leaseFence.optional(),
});

export type CreateMission = z.output<typeof CreateMission>;
export type UpdateMission = z.output<typeof UpdateMission>;
export type Checkout = z.output<typeof Checkout>;
export type Release = z.output<typeof Release>;
export type Transition = z.output<typeof Transition>;
export type ListMissions = z.output<typeof ListMissions>;
export type AddComment = z.output<typeof AddComment>;
export type ListComments = z.output<typeof ListComments>;
export type ClaimNext = z.output<typeof ClaimNext>;
export type FailMission = z.output<typeof FailMission>;
export type MissionQueue = z.output<typeof MissionQueue>;
