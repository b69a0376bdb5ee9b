import { z } from 'zod';
import { agentId, entityId, expectedVersion, limit, realmId, text } from '../params.js';
import { contextModes } from './model.js';

export const RegisterPulse = z.strictObject({
  realmId,
  agentId,
  cron: text(200).describe('5 fields ("*/15 * * * *") or 6 with seconds first ("0 */5 * * * *").'),
  contextMode: z.enum(contextModes).optional().describe('thin (who and where) or full (the agent_briefing context); default thin.'),
  runtimeId: entityId('runtime (rt-...); default the agent\'s node runtimeId').nullable().optional(),
  timeoutSecs: z.number().int().min(1).max(86400).nullable().optional(),
  maxRetries: z.number().int().min(0).max(10).optional().describe('Retries of a failed or timed-out attempt (default 2).'),
  timezone: text(64).optional().describe('IANA timezone of the cron (default UTC).'),
  skipWhenIdle: z.boolean().optional().describe('Skip when the agent has nothing to do (default true).'),
  expectedVersion: expectedVersion.optional().describe('The version you read; 0 means "create only".'),
});

export const AgentPulse = z.strictObject({ realmId, agentId });

export const InvokePulse = z.strictObject({
  realmId,
  agentId,
  contextMode: z.enum(contextModes).optional(),
  wait: z.boolean().default(false).describe('Wait for the run to finish.'),
});

export const PulseStatus = z.strictObject({ realmId, agentId, limit: limit.describe('Recent runs to return (default 50).') });

export const TogglePulse = z.strictObject({ realmId, agentId, enabled: z.boolean(), expectedVersion: expectedVersion.optional() });

export type RegisterPulse = z.output<typeof RegisterPulse>;
export type InvokePulse = z.output<typeof InvokePulse>;
export type TogglePulse = z.output<typeof TogglePulse>;
