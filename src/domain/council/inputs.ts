import { z } from 'zod';
import { actorKinds } from '../audit/model.js';
import { agentId, cursor, entityId, expectedVersion, jsonObject, limit, longText, principalId, realmId, text, title } from '../params.js';
import { proposalKinds, proposalStatuses } from './model.js';

const proposalId = entityId('proposal (prop-...)');
const seq = z.number().int().min(1);

export const Submit = z.strictObject({
  realmId,
  kind: z.enum(proposalKinds),
  title,
  requestedBy: principalId('Who proposes it (any principal id).'),
  payload: jsonObject().optional().describe(
    'Per kind: hire_agent {agentId, title?, reportsTo?, capabilities?, rank?, runtimeId?}; terminate_agent {agentId}; ' +
      'budget_override {agentId?, monthlyCents}; realm_suspend {}; strategy_change {directiveId, status?, title?, priority?}; custom: any object.',
  ),
});

export const Decide = z.strictObject({
  realmId,
  id: proposalId,
  approved: z.boolean(),
  decidedBy: principalId('Who decides.'),
  note: longText.optional(),
  expectedVersion: expectedVersion.optional(),
});

export const ListProposals = z.strictObject({
  realmId,
  status: z.enum(proposalStatuses).optional(),
  kind: z.enum(proposalKinds).optional(),
  limit,
  cursor: cursor.optional(),
});

export const overrideActions = ['pause', 'resume', 'terminate'] as const;

export const Override = z.strictObject({
  realmId,
  operatorId: principalId('Who overrides.'),
  action: z.enum(overrideActions),
  targetAgentId: agentId.describe('The agent to pause, resume or terminate.'),
  reason: longText,
  expectedVersion: expectedVersion.optional().describe('The target node\'s version you read.'),
});

export const Activity = z.strictObject({
  realmId,
  // Entries of the system kind are the server's own (appended as it acts); callers record agents and people.
  actorKind: z.enum(actorKinds.filter((kind) => kind !== 'system')),
  actorId: principalId('Who did it.'),
  action: z
    .string()
    .trim()
    .regex(/^[a-z][a-z0-9_.]{0,63}$/, 'must be lower-case letters, digits, _ and . (at most 64), starting with a letter')
    .describe('What happened, e.g. "deploy.started". System action names (created, budget_set, ...) are reserved.'),
  entityType: text(64),
  entityId: text(128),
  details: jsonObject().optional(),
});

export const ActivityLog = z.strictObject({
  realmId,
  limit,
  before: seq.optional().describe('Only entries with a smaller seq: pass the previous page\'s nextBefore.'),
  action: text(64).optional(),
  entityId: text(128).optional(),
  actorId: text(128).optional(),
});

export const Verify = z.strictObject({
  realmId,
  fromSeq: seq.optional(),
  toSeq: seq.optional(),
  anchor: z
    .strictObject({
      seq: seq.describe('The seq the hash was recorded at.'),
      hash: z.string().trim().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits').describe('The entry hash recorded then.'),
    })
    .optional()
    .describe('A {seq, hash} recorded earlier (an export\'s source {auditEntryCount, auditHeadHash}, or the server log\'s "audit anchor" lines): also catches a chain rewritten together with its head, or cut below the anchor.'),
});

export type Submit = z.output<typeof Submit>;
export type Decide = z.output<typeof Decide>;
export type ListProposals = z.output<typeof ListProposals>;
export type Override = z.output<typeof Override>;
export type Activity = z.output<typeof Activity>;
export type ActivityLog = z.output<typeof ActivityLog>;
export type Verify = z.output<typeof Verify>;
