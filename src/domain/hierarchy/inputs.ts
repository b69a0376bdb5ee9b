import { z } from 'zod';
import { agentId, capabilities, entityId, expectedVersion, maxDepth, rank, realmId, text, title } from '../params.js';

export const SetNode = z.strictObject({
  realmId,
  agentId,
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

export const Find = z.strictObject({
  realmId,
  capability: text(64).describe('Capability to match exactly, ignoring case.'),
  underAgentId: agentId.optional().describe('Only search this agent and everyone under it.'),
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
export type RemoveNode = z.output<typeof RemoveNode>;
