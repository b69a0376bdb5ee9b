import { checkoutMission } from '../domain/mission/checkout.js';
import { addComment, listComments } from '../domain/mission/comments.js';
import { createMission, listMissions } from '../domain/mission/create.js';
import { AddComment, Checkout, CreateMission, ListComments, ListMissions, Release, Transition } from '../domain/mission/inputs.js';
import { Comment, Mission } from '../domain/mission/model.js';
import { releaseMission, transitionMission } from '../domain/mission/moves-ops.js';
import { declare } from './declaration.js';
import { pageOf } from './outputs.js';
import { statedAs } from './wire-schema.js';

/** The mission after a change: tools/list gives its shape once, in mission_checkout's output schema. */
const sameAsCheckout = statedAs(Mission, 'The mission after the change.', 'mission_checkout');

const suspended = { realm_suspended: true } as const;

export const missionFunctions = [
  declare({
    id: 'mission::create',
    title: 'Create mission',
    description:
      'Create a task (mission), optionally linked to a directive and a parent mission, with the capabilities an ' +
      'agent needs to take it. Starts in backlog (or queued). Agents then take it with mission_checkout. Returns the mission.',
    errors: { not_found: true, ...suspended },
    input: CreateMission,
    output: sameAsCheckout,
    rest: { method: 'POST', path: '/api/missions' },
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
      'number of concurrent callers wins. Works on unassigned backlog or queued missions, or a blocked one by its own ' +
      'assignee; checking out a mission you already hold returns it unchanged. Returns the mission.',
    errors: {
      not_found: true,
      conflict: 'another agent holds it (details.holderId, status, version)',
      invalid_transition: 'the mission is in review, complete or cancelled',
      forbidden: 'the agent is not a node, not active, or lacks required capabilities (details.missing)',
      ...suspended,
    },
    input: Checkout,
    output: Mission,
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
      'it. Only the assignee or an agent above it in the chain of command may release. Returns the mission.',
    errors: {
      not_found: true,
      invalid_transition: 'the mission is not active, blocked or review',
      forbidden: 'agentId is not the assignee nor above it, or is terminated or not a node',
      conflict: true,
      ...suspended,
    },
    input: Release,
    output: sameAsCheckout,
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
      'blocked or cancelled; review to complete or back to active; blocked to queued or cancelled. Starting work ' +
      'is mission_checkout, not this. agentId must be the assignee, the creator, or above the assignee. Returns the mission.',
    errors: {
      not_found: true,
      invalid_transition: 'the move is not allowed (details.allowed)',
      forbidden: 'agentId may not move this mission, or is terminated or not a node',
      conflict: true,
      ...suspended,
    },
    input: Transition,
    output: sameAsCheckout,
    rest: { method: 'PATCH', path: '/api/missions/:id/status' },
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
    description: 'Add a comment to a mission\'s thread: progress notes, questions, hand-over context. Returns the comment.',
    errors: { not_found: true, ...suspended },
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
];
