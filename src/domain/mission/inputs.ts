import { z } from 'zod';
import { priorities } from '../directive/model.js';
import { agentId, capabilities, cursor, entityId, expectedVersion, limit, longText, principalId, realmId, text, title } from '../params.js';
import { missionStatuses } from './model.js';

const missionId = entityId('mission (msn-...)');
const fence = z
  .number()
  .int()
  .min(0)
  .describe('The fence of your lease (from checkout or claim): if the mission was checked out again since, the call is a conflict.');

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
  fence: fence.optional(),
});

export const Transition = z.strictObject({
  realmId,
  id: missionId,
  status: z.enum(missionStatuses),
  agentId: agentId.describe('Who moves it: the assignee, the creator, or an agent above the assignee.'),
  reason: longText.optional(),
  expectedVersion: expectedVersion.optional(),
  fence: fence.optional(),
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
  fence: fence.optional(),
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
  fence: fence.optional(),
});

export const MissionQueue = z.strictObject({ realmId });

export const ListComments = z.strictObject({ realmId, missionId, limit, cursor: cursor.optional() });

export type CreateMission = z.output<typeof CreateMission>;
export type Checkout = z.output<typeof Checkout>;
export type Release = z.output<typeof Release>;
export type Transition = z.output<typeof Transition>;
export type ListMissions = z.output<typeof ListMissions>;
export type AddComment = z.output<typeof AddComment>;
export type ListComments = z.output<typeof ListComments>;
export type ClaimNext = z.output<typeof ClaimNext>;
export type FailMission = z.output<typeof FailMission>;
export type MissionQueue = z.output<typeof MissionQueue>;
