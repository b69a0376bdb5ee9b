import { z } from 'zod';

export const runtimeKinds = ['process', 'http', 'claude_code', 'codex', 'cursor', 'opencode', 'custom'] as const;
export type RuntimeKind = (typeof runtimeKinds)[number];

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
  workDir: z.string().nullable(),
  timeoutSecs: z.number().int(),
  model: z.string().nullable(),
  connectControlPlane: z.boolean(),
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
  ownerInstanceId: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type Run = z.infer<typeof Run>;

/** How a failed run's error starts when the runtime could not be started or reached at all (no answer to judge). */
export const UNREACHABLE = 'runtime unreachable';
