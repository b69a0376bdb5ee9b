import { z } from 'zod';

export const proposalKinds = ['hire_agent', 'terminate_agent', 'strategy_change', 'budget_override', 'realm_suspend', 'custom'] as const;
export type ProposalKind = (typeof proposalKinds)[number];

export const proposalStatuses = ['pending', 'approved', 'rejected', 'cancelled'] as const;
export type ProposalStatus = (typeof proposalStatuses)[number];

export const Proposal = z.object({
  id: z.string(),
  realmId: z.string(),
  kind: z.enum(proposalKinds),
  status: z.enum(proposalStatuses),
  title: z.string(),
  payload: z.record(z.string(), z.unknown()).nullable(),
  requestedBy: z.string(),
  decidedBy: z.string().nullable(),
  decisionNote: z.string().nullable(),
  decidedAt: z.string().nullable(),
  effect: z.record(z.string(), z.unknown()).nullable().describe('What approval did, e.g. {kind: "hire_agent", node}; null for custom.'),
  version: z.number().int(),
  createdAt: z.string(),
});
export type Proposal = z.infer<typeof Proposal>;
