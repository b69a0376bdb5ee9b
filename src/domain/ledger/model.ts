import { z } from 'zod';

export const Budget = z.object({
  id: z.string(),
  realmId: z.string(),
  agentId: z.string().nullable().describe('null: the realm\'s own budget'),
  monthlyCents: z.number().int(),
  softThreshold: z.number(),
  hardLimit: z.boolean(),
  billingCode: z.string().nullable(),
  version: z.number().int(),
  updatedAt: z.string(),
});
export type Budget = z.infer<typeof Budget>;

export const Spend = z.object({
  id: z.string(),
  realmId: z.string(),
  agentId: z.string(),
  costCents: z.number(),
  provider: z.string(),
  model: z.string(),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  missionId: z.string().nullable(),
  runId: z.string().nullable(),
  billingCode: z.string().nullable(),
  eventId: z.string().nullable(),
  timestamp: z.string(),
});
export type Spend = z.infer<typeof Spend>;

export const alertLevels = ['warning', 'critical'] as const;
export type AlertLevel = (typeof alertLevels)[number];

export const ScopeCheck = z.object({
  budgetId: z.string(),
  spentCents: z.number(),
  limitCents: z.number(),
  remainingCents: z.number(),
  utilizationPct: z.number(),
  softThreshold: z.number(),
  hardLimit: z.boolean(),
  alert: z.enum(alertLevels).nullable(),
  allowed: z.boolean(),
  periodStart: z.string(),
  periodEnd: z.string(),
});
export type ScopeCheck = z.infer<typeof ScopeCheck>;

export const Check = z.object({
  allowed: z.boolean(),
  scope: z.enum(['agent', 'realm', 'none']).describe('The denying scope, else the one with the higher utilisation.'),
  spentCents: z.number().nullable(),
  limitCents: z.number().nullable(),
  remainingCents: z.number().nullable(),
  utilizationPct: z.number().nullable(),
  alert: z.enum(alertLevels).nullable(),
  agent: ScopeCheck.nullable(),
  realm: ScopeCheck.nullable(),
});
export type Check = z.infer<typeof Check>;

export const groupings = ['agent', 'model', 'provider', 'billing_code', 'mission'] as const;
export type Grouping = (typeof groupings)[number];

export const Summary = z.object({
  since: z.string(),
  until: z.string(),
  groupBy: z.enum(groupings),
  totalCents: z.number(),
  totalInputTokens: z.number().int(),
  totalOutputTokens: z.number().int(),
  eventCount: z.number().int(),
  breakdown: z.array(z.object({ key: z.string(), cents: z.number(), inputTokens: z.number().int(), outputTokens: z.number().int(), events: z.number().int() })),
});
export type Summary = z.infer<typeof Summary>;
