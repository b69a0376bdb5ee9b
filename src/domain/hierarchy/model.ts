import { z } from 'zod';

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

export interface TreeNode {
  agentId: string;
  title: string | null;
  capabilities: string[];
  rank: number;
  status: NodeStatus;
  reports: TreeNode[];
  truncated: boolean;
}

export const TreeNode: z.ZodType<TreeNode> = z.lazy(() =>
  z.object({
    agentId: z.string(),
    title: z.string().nullable(),
    capabilities: z.array(z.string()),
    rank: z.number().int(),
    status: z.enum(nodeStatuses),
    reports: z.array(TreeNode),
    truncated: z.boolean(),
  }),
).meta({ id: 'TreeNode' });
