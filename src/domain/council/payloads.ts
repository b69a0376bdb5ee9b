// Proposal payloads, checked per kind with strict schemas when a proposal is submitted.
import { z } from 'zod';
import { directiveStatuses, priorities } from '../directive/model.js';
import { agentId, capabilities, entityId, jsonObject, newAgentId, rank, title } from '../params.js';
import type { ProposalKind } from './model.js';

export const payloadSchemas: Record<ProposalKind, z.ZodType<Record<string, unknown>>> = {
  hire_agent: z.strictObject({
    agentId: newAgentId,
    title: title.optional(),
    reportsTo: agentId.optional(),
    capabilities: capabilities.optional(),
    rank: rank.optional(),
    runtimeId: entityId('runtime').optional(),
  }),
  terminate_agent: z.strictObject({ agentId }),
  budget_override: z.strictObject({ agentId: agentId.optional(), monthlyCents: z.number().int().min(0).max(1e11) }),
  realm_suspend: z.strictObject({}),
  strategy_change: z.strictObject({
    directiveId: entityId('directive'),
    status: z.enum(directiveStatuses).optional(),
    title: title.optional(),
    priority: z.enum(priorities).optional(),
  }),
  custom: jsonObject(),
};

/** The agent a proposal is about, if any: when it is removed or terminated, the proposal is cancelled. */
export const targetAgent = (kind: ProposalKind, payload: Record<string, unknown> | null) =>
  kind === 'terminate_agent' || kind === 'budget_override' ? ((payload?.agentId as string | undefined) ?? null) : null;
