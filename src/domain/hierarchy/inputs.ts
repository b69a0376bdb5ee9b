import { z } from 'zod';
import { livenessStates } from '../fleet/liveness.js';
import { heartbeatStates } from './model.js';
import { agentId, capabilities, entityId, expectedVersion, maxDepth, newAgentId, rank, realmId, text, title } from '../params.js';

export const SetNode = z.strictObject({
  realmId,
  agentId: newAgentId,
  reportsTo: agentId.nullable().optional().describe('The manager\'s agentId; null makes the node a root.'),
  title: title.nullable().optional().describe('Organisational title, e.g. "CTO".'),
  capabilities: capabilities.optional().describe('Skills used by hierarchy_find and mission requirements.'),
  rank: rank.optional().describe('Authority rank 0-10 (10 = executive). New nodes start at 0.'),
  runtimeId: entityId('runtime (rt-...) that runs this agent').nullable().optional(),
  expectedVersion: expectedVersion.optional().describe('The version you read; 0 means "create only".'),
});

export const Tree = z.strictObject({
  realmId,
  rootAgentId: agentId.optional().describe('Return only the subtree under this agent.'),
  maxDepth: maxDepth.optional().describe('Levels below each root to include (0-64); cut nodes say truncated.'),
});

const region = text(64).describe('A region name, e.g. "eu-west" (compared exactly).');
const liveness = z.enum(livenessStates);

export const Find = z.strictObject({
  realmId,
  capability: text(64).optional().describe('Capability to match exactly, ignoring case; omitted: every agent that is not terminated.'),
  underAgentId: agentId.optional().describe('Only search this agent and everyone under it.'),
  liveness: z
    .union([liveness, z.array(liveness).min(1).max(livenessStates.length)])
    .optional()
    .describe('Only agents in this liveness state (or any of these); agents that never sent a heartbeat have none and never match.'),
  region: region.optional().describe('Only agents whose last heartbeat gave this region.'),
});

export const Heartbeat = z.strictObject({
  realmId,
  agentId,
  state: z.enum(heartbeatStates).default('ready').describe('What the agent says of itself (default ready); draining: finishing, take no new work.'),
  load: z.number().min(0).max(1e9).optional().describe('How loaded the agent is (0 and up, on its own scale, e.g. tasks in hand); omitted: unknown (null).'),
  region: region.optional().describe('Where the agent runs; kept until a heartbeat gives another.'),
  version: text(64).optional().describe('The agent\'s software version; kept until a heartbeat gives another.'),
});

export const Chain = z.strictObject({ realmId, agentId });

export const RemoveNode = z.strictObject({
  realmId,
  agentId,
  reassignTo: agentId.optional().describe('Where the direct reports go; default: the removed agent\'s manager.'),
});

export type SetNode = z.output<typeof SetNode>;
export type Tree = z.output<typeof Tree>;
export type Find = z.output<typeof Find>;
export type Chain = z.output<typeof Chain>;
export type Heartbeat = z.output<typeof Heartbeat>;
export type RemoveNode = z.output<typeof RemoveNode>;
