import { z } from 'zod';
import { livenessStates, type Liveness } from '../fleet/liveness.js';

export const nodeStatuses = ['active', 'paused', 'terminated'] as const;
export type NodeStatus = (typeof nodeStatuses)[number];

/** What an agent may say of itself in a heartbeat. */
export const heartbeatStates = ['starting', 'ready', 'busy', 'draining'] as const;
export type HeartbeatState = (typeof heartbeatStates)[number];

// The node is the agent's only record in a realm.
export const Node = z.object({
  agentId: z.string(),
  realmId: z.string(),
  reportsTo: z.string().nullable(),
  title: z.string().nullable(),
  capabilities: z.array(z.string()),
  rank: z.number().int(),
  status: z.enum(nodeStatuses),
  runtimeId: z.string().nullable(),
  heartbeatAt: z.string().nullable(),
  heartbeatState: z.enum(heartbeatStates).nullable(),
  load: z.number().nullable(),
  region: z.string().nullable(),
  agentVersion: z.string().nullable(),
  failedAt: z.string().nullable(),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Node = z.infer<typeof Node>;

/** A node that has never sent a heartbeat (nor failed): liveness null. */
export const silentNode = { heartbeatAt: null, heartbeatState: null, load: null, region: null, agentVersion: null, failedAt: null } as const;

/** An agent's liveness as the reads show it: null for one that never sent a heartbeat. */
export const LivenessField = z.enum(livenessStates).nullable().describe('Derived from its heartbeats, runs and failures; null: it never sent hierarchy_heartbeat.');

/** A node as hierarchy_find returns it: with its liveness now. */
export const SeenNode = Node.extend({ liveness: LivenessField });
export type SeenNode = z.infer<typeof SeenNode>;

/**
 * A node of hierarchy_tree's answer. The answer grows with the org (10,000 agents: about 1 MB), so each node
 * leaves out what is null, empty or false: no title, no capabilities, no liveness (it never sent a
 * heartbeat), no region, no reports, not truncated. A field is either absent or set (never null), so that
 * "absent" has one meaning. What a node does not carry (reportsTo, runtime, heartbeat details, versions) is
 * one hierarchy_chain or hierarchy_find away.
 */
export interface TreeNode {
  agentId: string;
  title?: string;
  capabilities?: string[];
  rank: number;
  status: NodeStatus;
  liveness?: Liveness;
  region?: string;
  reports?: TreeNode[];
  truncated?: true;
}

export const TreeNode: z.ZodType<TreeNode> = z.lazy(() =>
  z.object({
    agentId: z.string(),
    title: z.string().optional(),
    capabilities: z.array(z.string()).optional(),
    rank: z.number().int(),
    status: z.enum(nodeStatuses),
    liveness: z.enum(livenessStates).optional(),
    region: z.string().optional(),
    reports: z.array(TreeNode).optional(),
    truncated: z.literal(true).optional(),
  }),
).meta({ id: 'TreeNode' });
