import { z } from 'zod';

export const runtimeKinds = ['process', 'http', 'claude_code', 'codex', 'cursor', 'opencode', 'custom'] as const;
export type RuntimeKind = (typeof runtimeKinds)[number];

/**
 * How far an agent CLI may act on its own: read and propose only, edit files in its working directory, or do
 * anything without asking. Each adapter maps the level to its CLI's own flags or configuration.
 */
export const permissionLevels = ['read_only', 'edit', 'full'] as const;
export type PermissionLevel = (typeof permissionLevels)[number];
/** The runtime kinds that are agent CLIs, to which permissions apply. */
export const agentCliKinds: readonly RuntimeKind[] = ['claude_code', 'codex', 'cursor', 'opencode'];

export const Runtime = z.object({
  id: z.string(),
  realmId: z.string().nullable().describe('null: a global runtime'),
  kind: z.enum(runtimeKinds),
  name: z.string(),
  command: z.string().nullable(),
  args: z.array(z.string()),
  url: z.string().nullable(),
  headers: z.record(z.string(), z.string()).nullable(),
  envVars: z.record(z.string(), z.string()).nullable(),
  inheritEnv: z.array(z.string()).describe('Server environment variables passed on (names, or prefixes ending in *)'),
  workDir: z.string().nullable(),
  timeoutSecs: z.number().int(),
  model: z.string().nullable(),
  connectControlPlane: z.boolean(),
  permissions: z.enum(permissionLevels).nullable().describe('Agent CLIs only: read_only, edit or full'),
  version: z.number().int(),
  createdAt: z.string(),
});
export type Runtime = z.infer<typeof Runtime>;

export const runStatuses = ['running', 'completed', 'failed', 'timed_out', 'cancelled'] as const;
export type RunStatus = (typeof runStatuses)[number];

export const Usage = z.object({ inputTokens: z.number().int(), outputTokens: z.number().int(), cachedInputTokens: z.number().int() });

export const Run = z.object({
  id: z.string(),
  runtimeId: z.string(),
  realmId: z.string().nullable(),
  agentId: z.string(),
  missionId: z.string().nullable(),
  status: z.enum(runStatuses),
  output: z.string().nullable(),
  outputTruncated: z.boolean(),
  error: z.string().nullable(),
  stderrTruncated: z.boolean(),
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  sessionId: z.string().nullable(),
  usage: Usage.nullable(),
  costCents: z.number().nullable(),
  provider: z.string().nullable(),
  model: z.string().nullable().describe('The model the run used, as the CLI reported it when it did'),
  permissionDenials: z.array(z.object({ tool: z.string(), input: z.unknown() })).nullable().describe('Tool calls the CLI refused for lack of permission'),
  ownerInstanceId: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type Run = z.infer<typeof Run>;

/** How a failed run's error starts when the runtime could not be started or reached at all (no answer to judge). */
export const UNREACHABLE = 'runtime unreachable';
