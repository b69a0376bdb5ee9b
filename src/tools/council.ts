import { z } from 'zod';
import { AuditEntry } from '../domain/audit/model.js';
import { verifyChain } from '../domain/audit/verify.js';
import { activityLog, recordActivity } from '../domain/council/activity.js';
import { Activity, ActivityLog, Decide, ListProposals, Override, Submit, Verify } from '../domain/council/inputs.js';
import { Proposal } from '../domain/council/model.js';
import { overrideAgent } from '../domain/council/override.js';
import { decideProposal, listProposals, submitProposal } from '../domain/council/proposals.js';
import { Node } from '../domain/hierarchy/model.js';
import { declare } from './declaration.js';
import { statedAsItemOf } from './wire-schema.js';
import { pageOf } from './outputs.js';

const suspended = { realm_suspended: true } as const;

export const councilFunctions = [
  declare({
    id: 'council::submit',
    title: 'Submit proposal',
    description:
      'Propose a decision for the realm\'s council: hire_agent, terminate_agent, budget_override, realm_suspend, ' +
      'strategy_change or custom. The payload is checked against its kind now; approval with council_decide carries ' +
      'it out. Returns the proposal (status pending).',
    errors: {
      not_found: 'the realm, or an agent, directive or runtime the payload names, does not exist in it',
      conflict: 'hire_agent names an agent id that is taken',
      invalid_transition: 'terminate_agent names an agent that is already terminated',
      ...suspended,
    },
    input: Submit,
    output: statedAsItemOf(Proposal, 'The proposal submitted.', 'council_proposals', 'proposals'),
    rest: { method: 'POST', path: '/api/council/proposals' },
    permission: 'control_plane:proposals:write',
    idempotent: true,
    actsAs: ['requestedBy'],
    run: (input, ctx) => submitProposal(ctx, input),
  }),
  declare({
    id: 'council::decide',
    title: 'Decide proposal',
    description:
      'Approve or reject a pending proposal. Approval carries it out at once, in the same transaction: hire the agent, ' +
      'terminate it, set the budget, suspend the realm or change the directive. If that fails nothing changes, the ' +
      'proposal stays pending and the error says why. Returns the proposal with its effect.',
    errors: {
      not_found: true,
      conflict: 'the proposal is not pending (details.status), or expectedVersion mismatch',
      ...suspended,
    },
    input: Decide,
    output: statedAsItemOf(Proposal, 'The proposal as decided.', 'council_proposals', 'proposals'),
    rest: { method: 'POST', path: '/api/council/proposals/:id/decide' },
    permission: 'control_plane:proposals:decide',
    run: (input, ctx) => decideProposal(ctx, input),
  }),
  declare({
    id: 'council::proposals',
    title: 'List proposals',
    description: 'List a realm\'s proposals, newest first, by status and kind. Returns {proposals, count, nextCursor}.',
    errors: { not_found: true },
    input: ListProposals,
    output: pageOf('proposals', Proposal),
    rest: { method: 'GET', path: '/api/council/proposals/:realmId' },
    permission: 'control_plane:proposals:read',
    run: (input, ctx) => listProposals(ctx, input),
  }),
  declare({
    id: 'council::override',
    title: 'Override agent',
    description:
      'Pause, resume or terminate an agent directly. Paused and terminated agents cannot take missions and are not ' +
      'scheduled; pause leaves running work alone; terminate is final and hands its missions back to the queue. ' +
      'Returns {node, releasedMissions, cancelledRuns}.',
    errors: {
      not_found: true,
      invalid_transition: 'the agent is terminated, or already in that state (details.allowed)',
      conflict: true,
      ...suspended,
    },
    input: Override,
    output: z.object({ node: Node, releasedMissions: z.array(z.string()), cancelledRuns: z.array(z.string()) }),
    rest: { method: 'POST', path: '/api/council/override' },
    permission: 'control_plane:agents:override',
    run: (input, ctx) => overrideAgent(ctx, input),
  }),
  declare({
    id: 'council::activity',
    title: 'Record activity',
    description:
      'Append your own entry to the realm\'s hash-chained audit trail (e.g. action "deploy.started"). Names of ' +
      'system actions are reserved. Returns the entry with its seq and hash.',
    errors: { not_found: true, ...suspended },
    input: Activity,
    output: AuditEntry,
    rest: { method: 'POST', path: '/api/council/activity' },
    permission: 'control_plane:audit:write',
    actsAs: ['actorId'],
    fixedForAgents: { actorKind: 'agent' },
    run: (input, ctx) => recordActivity(ctx, input),
  }),
  declare({
    id: 'council::activity_log',
    title: 'Read audit trail',
    description:
      'Read the realm\'s audit trail, newest first, optionally by action, entityId or actorId. Returns {entries, ' +
      'count, nextBefore}; pass nextBefore as before for the next page.',
    errors: { not_found: true },
    input: ActivityLog,
    output: z.object({ entries: z.array(AuditEntry), count: z.number().int(), nextBefore: z.number().int().nullable() }),
    rest: { method: 'GET', path: '/api/council/activity/:realmId' },
    permission: 'control_plane:audit:read',
    run: (input, ctx) => activityLog(ctx, input),
  }),
  declare({
    id: 'council::verify',
    title: 'Verify audit chain',
    description:
      'Check the realm\'s audit trail has not been altered: walks the SHA-256 hash chain and reports the first entry ' +
      'that does not match. With an anchor {seq, hash} recorded earlier it also catches a chain rewritten together ' +
      'with its head, or truncated below the anchor. Returns {valid, entryCount, headHash, firstInvalidSeq, reason}.',
    errors: { not_found: true },
    input: Verify,
    output: z.object({
      valid: z.boolean(),
      entryCount: z.number().int(),
      headHash: z.string().nullable(),
      firstInvalidSeq: z.number().int().nullable(),
      reason: z.string().nullable(),
    }),
    rest: { method: 'GET', path: '/api/council/verify/:realmId' },
    permission: 'control_plane:audit:read',
    run: (input, ctx) => verifyChain(ctx, input),
  }),
];
