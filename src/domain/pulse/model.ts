import { z } from 'zod';

export const contextModes = ['thin', 'full'] as const;
export const pulseSources = ['cron', 'manual', 'retry'] as const;
export const pulseRunStatuses = ['running', 'completed', 'failed', 'timed_out', 'skipped', 'dead'] as const;
export const skipReasons = [
  'disabled', 'agent_paused', 'agent_terminated', 'over_budget', 'overlap', 'idle',
  // The agent's heartbeats say it is gone or shutting down (agents that never heartbeat are pulsed as ever).
  'offline', 'draining',
  // A runaway guard (the realm's fleet caps on runs at once and runs per hour) refused the run.
  'concurrent_runs_cap', 'runs_per_hour_cap',
] as const;
export type SkipReason = (typeof skipReasons)[number];

export const PulseConfig = z.object({
  realmId: z.string(),
  agentId: z.string(),
  cron: z.string(),
  timezone: z.string(),
  enabled: z.boolean(),
  contextMode: z.enum(contextModes),
  runtimeId: z.string().nullable(),
  timeoutSecs: z.number().int().nullable().describe('null: the runtime\'s timeout, else 300'),
  maxRetries: z.number().int(),
  skipWhenIdle: z.boolean(),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type PulseConfig = z.infer<typeof PulseConfig>;

export const PulseRun = z.object({
  id: z.string(),
  realmId: z.string(),
  agentId: z.string(),
  source: z.enum(pulseSources),
  status: z.enum(pulseRunStatuses),
  attempt: z.number().int(),
  skipReason: z.enum(skipReasons).nullable(),
  skipCount: z.number().int(),
  bridgeRunId: z.string().nullable(),
  contextSnapshot: z.record(z.string(), z.unknown()).nullable(),
  nextAttemptAt: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  error: z.string().nullable(),
});
export type PulseRun = z.infer<typeof PulseRun>;
