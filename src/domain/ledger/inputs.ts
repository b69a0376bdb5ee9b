import { z } from 'zod';
import { agentId, entityId, expectedVersion, principalId, realmId, text } from '../params.js';
import { groupings } from './model.js';
import { hasAtMostDecimals } from './money.js';

// Bounded so that sums of units stay exact integers in JavaScript (2^53 is about 9e15 units).
export const cents = z
  .number()
  .min(0)
  .max(1e10)
  .refine((v) => hasAtMostDecimals(v, 4), 'must have at most 4 decimals (e.g. 4.25 cents)');

/** RFC 3339 with any offset; normalised to UTC ISO strings. */
const instant = z.iso.datetime({ offset: true }).transform((v) => new Date(v).toISOString());

export const SetBudget = z.strictObject({
  realmId,
  monthlyCents: z.number().int().min(0).max(1e11).describe('The monthly budget in whole cents.'),
  agentId: agentId.optional().describe('The agent the budget is for; omit for the realm\'s own budget.'),
  softThreshold: z.number().gt(0).max(1).optional().describe('Fraction of the budget that raises a warning (default 0.8).'),
  hardLimit: z.boolean().optional().describe('Refuse work that would reach the budget (default true).'),
  billingCode: text(128).nullable().optional().describe('A label for reports, not a scope.'),
  expectedVersion: expectedVersion.optional().describe('The version you read; 0 means "create only".'),
});

export const CheckBudget = z.strictObject({
  realmId,
  agentId: principalId('The agent whose budgets to check (need not be a node).'),
  costCents: cents.optional().describe('A cost about to be spent, to ask "would this be allowed?".'),
});

export const RecordSpend = z.strictObject({
  realmId,
  agentId: principalId('The agent that spent (need not be a node).'),
  costCents: cents.describe('The cost in cents, up to 4 decimals, kept exactly (more decimals are refused).'),
  provider: text(64).describe('e.g. anthropic, openai.'),
  model: text(200),
  inputTokens: z.number().int().min(0),
  outputTokens: z.number().int().min(0),
  missionId: entityId('mission the work was for').optional(),
  runId: entityId('bridge run that spent it').optional(),
  billingCode: text(128).optional(),
  eventId: text(200).optional().describe('Idempotency key: the same agent\'s repeat returns the first spend. brun-... ids are the bridge\'s.'),
});

export const Summarise = z.strictObject({
  realmId,
  groupBy: z.enum(groupings).default('agent'),
  since: instant.optional().describe('Start, inclusive (RFC 3339). Default: the start of this month (UTC).'),
  until: instant.optional().describe('End, exclusive (RFC 3339). Default: the start of next month (UTC).'),
});

export type SetBudget = z.output<typeof SetBudget>;
export type CheckBudget = z.output<typeof CheckBudget>;
export type RecordSpend = z.output<typeof RecordSpend>;
export type Summarise = z.output<typeof Summarise>;
