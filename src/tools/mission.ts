import { z } from 'zod';
import { claimNext } from '../domain/mission/claim.js';
import { checkoutMission } from '../domain/mission/checkout.js';
import { addComment, listComments } from '../domain/mission/comments.js';
import { createMission, listMissions } from '../domain/mission/create.js';
import { AddComment, Checkout, ClaimNext, CreateMission, FailMission, ListComments, ListMissions, MissionQueue, Release, Transition, UpdateMission } from '../domain/mission/inputs.js';
import { failMission } from '../domain/mission/fail.js';
import { missionQueue } from '../domain/mission/queue.js';
import { Comment, Mission } from '../domain/mission/model.js';
import { releaseMission, transitionMission } from '../domain/mission/moves-ops.js';
import { updateMission } from '../domain/mission/update.js';
import { declare } from './declaration.js';
import { pageOf } from './outputs.js';
import { statedAsItemOf } from './wire-schema.js';

/** The mission after a change: tools/list gives its shape once, in mission_checkout's output schema. */
// A mission is given in full once, as mission_list's items; the tools that return one name it.
const missionAfterChange = statedAsItemOf(Mission, 'The mission after the change.', 'mission_list', 'missions');

const suspended = { realm_suspended: true } as const;

export const missionFunctions = [
  declare({
    id: 'mission::create',
    title: 'Create mission',
    description:
      'Create a task (mission), optionally linked to a directive and a parent mission, with the capabilities an ' +
      'agent needs to take it and the missions it waits for (blockedBy: it cannot be claimed or checked out until ' +
      'they are complete). Starts in backlog (or queued). Agents then take it with mission_checkout. Returns the mission.',
    errors: { not_found: 'the realm, directiveId, parentId or a blockedBy mission does not exist (details.field)', ...suspended },
    input: CreateMission,
    output: missionAfterChange,
    // The seed's clients submit tasks to be claimed: queued, not backlog.
    rest: { method: 'POST', path: '/api/missions', aliases: [{ method: 'POST', path: '/api/control-plane/tasks', fixed: { status: 'queued' } }] },
    permission: 'control_plane:missions:write',
    idempotent: true,
    actsAs: ['createdBy'],
    run: (input, ctx) => createMission(ctx, input),
  }),
  declare({
    id: 'mission::checkout',
    title: 'Check out mission',
    description:
      'Take a mission to work on it: atomically assigns it to agentId and makes it active, so exactly one of any ' +
      'number of concurrent callers wins. Works on unassigned backlog or queued missions whose blockers are complete, ' +
      'or a blocked one by its own assignee; checking out a mission you already hold returns it unchanged. Each new ' +
      'holder gets the next fence (pass it to later calls) and, if it heartbeats, a lease until leaseExpiresAt that ' +
      'its heartbeats renew. To be handed the best mission instead, use mission_claim_next. Returns the mission.',
    errors: {
      not_found: true,
      conflict: 'another agent holds it (details.holderId, status, version), or missions it waits for are not complete (details.blockedBy)',
      invalid_transition: 'the mission is in review, complete, cancelled or failed',
      forbidden: 'the agent is not a node, not active, or lacks required capabilities (details.missing)',
      ...suspended,
    },
    input: Checkout,
    output: statedAsItemOf(Mission, 'The mission, held by agentId.', 'mission_list', 'missions'),
    rest: { method: 'POST', path: '/api/missions/:id/checkout' },
    permission: 'control_plane:missions:work',
    actsAs: ['agentId'],
    run: (input, ctx) => checkoutMission(ctx, input),
  }),
  declare({
    id: 'mission::release',
    title: 'Release mission',
    description:
      'Give a mission back: from active, blocked or review to queued with no assignee, so another agent can take ' +
      'it. Only the assignee or an agent above it in the chain of command may release. To report a failed attempt ' +
      '(counted, retried after a backoff) use mission_fail instead. Returns the mission.',
    errors: {
      not_found: true,
      invalid_transition: 'the mission is not active, blocked or review',
      forbidden: 'agentId is not the assignee nor above it, or is terminated or not a node',
      conflict: 'a stale fence (details.fence is the current one), or a concurrent change',
      ...suspended,
    },
    input: Release,
    output: missionAfterChange,
    rest: { method: 'POST', path: '/api/missions/:id/release' },
    permission: 'control_plane:missions:work',
    actsAs: ['agentId'],
    run: (input, ctx) => releaseMission(ctx, input),
  }),
  declare({
    id: 'mission::transition',
    title: 'Move mission',
    description:
      'Move a mission along its workflow: backlog to queued or cancelled; queued to cancelled; active to review, ' +
      'blocked or cancelled; review to complete or back to active; blocked to queued or cancelled; failed (a dead ' +
      'letter) to queued, with its attempts reset, or cancelled. Starting work is mission_checkout, not this. agentId ' +
      'must be the assignee, the creator, or above the assignee (for a dead letter, which has no assignee: also any ' +
      'node when an operator calls). Returns the mission.',
    errors: {
      not_found: true,
      invalid_transition: 'the move is not allowed (details.allowed)',
      forbidden: 'agentId may not move this mission, or is terminated or not a node',
      conflict: 'a stale fence (details.fence is the current one), or a concurrent change',
      ...suspended,
    },
    input: Transition,
    output: missionAfterChange,
    rest: {
      method: 'PATCH',
      path: '/api/missions/:id/status',
      // The seed's verbs. Complete from active is invalid_transition here: missions go through review first.
      aliases: [
        { method: 'POST', path: '/api/control-plane/tasks/:id/complete', fixed: { status: 'complete' } },
        { method: 'POST', path: '/api/control-plane/tasks/:id/cancel', fixed: { status: 'cancelled' } },
      ],
    },
    permission: 'control_plane:missions:work',
    actsAs: ['agentId'],
    run: (input, ctx) => transitionMission(ctx, input),
  }),
  declare({
    id: 'mission::list',
    title: 'List missions',
    description:
      'List a realm\'s missions, most urgent first (critical to low, then oldest), filtered by status, assignee, ' +
      'directive or priority. Use status queued to find work to take. Returns {missions, count, nextCursor}.',
    errors: { not_found: true },
    input: ListMissions,
    output: pageOf('missions', Mission),
    rest: { method: 'GET', path: '/api/missions/:realmId' },
    permission: 'control_plane:missions:read',
    run: (input, ctx) => listMissions(ctx, input),
  }),
  declare({
    id: 'mission::comment',
    title: 'Comment on mission',
    description:
      'Add a comment to a mission\'s thread: progress notes, questions, hand-over context. The holder\'s comment on ' +
      'its active mission renews its lease. Returns the comment.',
    errors: { not_found: true, conflict: 'a stale fence (details.fence is the current one)', ...suspended },
    input: AddComment,
    output: Comment,
    rest: { method: 'POST', path: '/api/missions/:missionId/comments' },
    permission: 'control_plane:missions:work',
    actsAs: ['authorId'],
    run: (input, ctx) => addComment(ctx, input),
  }),
  declare({
    id: 'mission::comments',
    title: 'Read mission comments',
    description: 'Read a mission\'s comment thread, oldest first. Returns {comments, count, nextCursor}.',
    errors: { not_found: true },
    input: ListComments,
    output: pageOf('comments', Comment),
    rest: { method: 'GET', path: '/api/missions/:realmId/:missionId/comments' },
    permission: 'control_plane:missions:read',
    run: (input, ctx) => listComments(ctx, input),
  }),
  declare({
    id: 'mission::update',
    title: 'Update mission',
    description:
      'Edit a mission (title, description, priority, requiredCapabilities, directiveId, maxAttempts, region, blockedBy) ' +
      'or delegate it (assigneeId). Edits: the creator, the assignee or an agent above it. Delegation: an agent above ' +
      'the assignee, to itself or someone under it, or an operator; an unassigned mission becomes active, a held one ' +
      'keeps its status with a new fence. Returns the mission.',
    errors: {
      not_found: 'the mission, directiveId or a blockedBy mission (details.field)',
      forbidden: 'agentId may not do it, or the new assignee is not an active node with the capabilities',
      cycle_detected: 'blockedBy would loop (details.loop)',
      invalid_transition: 'complete or cancelled (no edits), failed (no delegation)',
      conflict: 'stale expectedVersion or fence, or blockers not complete (details.blockedBy)',
      budget_exceeded: 'the new assignee is past a hard limit',
      ...suspended,
    },
    input: UpdateMission,
    output: missionAfterChange,
    rest: { method: 'PATCH', path: '/api/missions/:id' },
    permission: 'control_plane:missions:work',
    actsAs: ['agentId'],
    run: (input, ctx) => updateMission(ctx, input),
  }),
  declare({
    id: 'mission::claim_next',
    title: 'Claim next mission',
    description:
      'Ask for work: atomically checks out the best queued mission agentId can take (every required capability, ' +
      'no incomplete blocker, retry time passed), by priority, then region (region, else the region of your last ' +
      'heartbeat, first; missions without one next), then age. Exactly one of any number of concurrent claimers ' +
      'gets each mission. Returns {mission, lease: {fence, expiresAt}}, both null when nothing fits; pass the fence ' +
      'to later calls on the mission, and heartbeat before expiresAt (null: no expiry) or the mission is requeued.',
    errors: {
      not_found: true,
      forbidden: 'the agent is not an active node, or its liveness is offline, draining or failed (details.reason liveness, details.liveness)',
      budget_exceeded: true,
      ...suspended,
    },
    input: ClaimNext,
    idempotent: true,
    output: z.object({
      mission: statedAsItemOf(Mission, 'The mission now active and held by agentId; null: nothing to claim.', 'mission_list', 'missions').nullable(),
      lease: z
        .object({ fence: z.number().int(), expiresAt: z.string().nullable() })
        .nullable()
        .describe('The lease: its fence, and when it lapses unless renewed (null: never, for agents that do not heartbeat).'),
    }),
    rest: {
      method: 'POST',
      path: '/api/missions/:realmId/claim',
      aliases: [{ method: 'POST', path: '/api/control-plane/tasks/claim' }],
    },
    permission: 'control_plane:missions:work',
    actsAs: ['agentId'],
    run: (input, ctx) => claimNext(ctx, input),
  }),
  declare({
    id: 'mission::fail',
    title: 'Fail mission attempt',
    description:
      'Report that work on an active mission failed. Retryable (the default) with attempts left (maxAttempts, ' +
      'else the realm\'s): back to queued with attempts + 1, not claimable before retryAt (exponential backoff ' +
      'with jitter). Otherwise a dead letter: status failed, listed by mission_list status failed, requeued by ' +
      'mission_transition to queued. Only the assignee or an agent above it. Returns the mission.',
    errors: {
      not_found: true,
      invalid_transition: 'the mission is not active',
      forbidden: 'agentId is not the assignee nor above it, or is terminated or not a node',
      conflict: 'a stale fence (details.fence is the current one), or a concurrent change',
      ...suspended,
    },
    input: FailMission,
    output: missionAfterChange,
    rest: {
      method: 'POST',
      path: '/api/missions/:id/fail',
      aliases: [{ method: 'POST', path: '/api/control-plane/tasks/:id/fail' }],
    },
    permission: 'control_plane:missions:work',
    actsAs: ['agentId'],
    run: (input, ctx) => failMission(ctx, input),
  }),
  declare({
    id: 'mission::queue',
    title: 'Mission queue',
    description:
      'The realm\'s work queue at a glance: missions claimable now (queued), waiting for a retry (retrying), ' +
      'waiting for blockers (blocked), held (active) and dead letters (failed), each by priority; how long the ' +
      'oldest queued mission has waited; agents by liveness (silent: never sent a heartbeat). Returns the counts.',
    errors: { not_found: true },
    input: MissionQueue,
    output: z.object({
      missions: z.record(z.enum(['queued', 'retrying', 'blocked', 'active', 'failed']), z.object({ total: z.number().int(), byPriority: z.record(z.string(), z.number().int()) })),
      oldestWaitingSecs: z.number().int().nullable(),
      agents: z.record(z.string(), z.number().int()),
      at: z.string(),
    }),
    rest: {
      method: 'GET',
      path: '/api/missions/:realmId/queue',
      aliases: [
        { method: 'GET', path: '/api/control-plane/queue' },
        { method: 'GET', path: '/api/control-plane/stats' },
      ],
    },
    permission: 'control_plane:missions:read',
    run: (input, ctx) => missionQueue(ctx, input.realmId),
  }),
];
