import { z } from 'zod';
import { CreateDirective, GetDirective, ListDirectives, UpdateDirective } from '../domain/directive/inputs.js';
import { Directive } from '../domain/directive/model.js';
import { createDirective, directiveAncestry, getDirective, listDirectives, updateDirective } from '../domain/directive/ops.js';
import { declare } from './declaration.js';
import { statedAs } from './wire-schema.js';
import { pageOf } from './outputs.js';

export const directiveFunctions = [
  declare({
    id: 'directive::create',
    title: 'Create directive',
    description:
      'Create a goal (directive) at realm, team, agent or mission level, optionally under a parent goal (a child ' +
      'may not be above its parent\'s level) and owned by an agent. Missions link to directives to say why they ' +
      'exist. Starts active unless status is draft. Returns the directive.',
    errors: {
      not_found: true,
      realm_suspended: true,
    },
    input: CreateDirective,
    output: statedAs(Directive, 'The directive created.', 'directive_get'),
    rest: { method: 'POST', path: '/api/directives' },
    permission: 'control_plane:directives:write',
    idempotent: true,
    run: (input, ctx) => createDirective(ctx, input),
  }),
  declare({
    id: 'directive::get',
    title: 'Get directive',
    description: 'Read one directive (goal) by id. Returns the directive with its status and version.',
    errors: { not_found: true },
    input: GetDirective,
    output: Directive,
    rest: { method: 'GET', path: '/api/directives/:realmId/:id' },
    permission: 'control_plane:directives:read',
    run: (input, ctx) => getDirective(ctx, input),
  }),
  declare({
    id: 'directive::list',
    title: 'List directives',
    description:
      'List a realm\'s directives, most urgent first (priority, then creation), filtered by level, status, parent ' +
      'or owner. Returns {directives, count, nextCursor}.',
    errors: { not_found: true },
    input: ListDirectives,
    output: pageOf('directives', statedAs(Directive, 'A directive.', 'directive_get')),
    rest: { method: 'GET', path: '/api/directives/:realmId' },
    permission: 'control_plane:directives:read',
    run: (input, ctx) => listDirectives(ctx, input),
  }),
  declare({
    id: 'directive::update',
    title: 'Update directive',
    description:
      'Change a directive (a patch; null clears description, ownerAgentId or parentId). Status moves: draft to ' +
      'active or cancelled; active to paused, completed or cancelled; paused to active or cancelled. Completed and ' +
      'cancelled directives are final. Pass expectedVersion for a conditional write. Returns the directive.',
    errors: {
      not_found: true,
      conflict: true,
      invalid_transition: 'the status move is not allowed, or the directive is final (details.allowed)',
      cycle_detected: 'the new parent is the directive itself or under it (details.loop)',
      realm_suspended: true,
    },
    input: UpdateDirective,
    output: statedAs(Directive, 'The directive after the change.', 'directive_get'),
    rest: { method: 'PATCH', path: '/api/directives/:realmId/:id' },
    permission: 'control_plane:directives:write',
    run: (input, ctx) => updateDirective(ctx, input),
  }),
  declare({
    id: 'directive::ancestry',
    title: 'Directive ancestry',
    description:
      'The chain of goals above a directive: {ancestry: [the directive, its parent, ..., the root], depth}. Use it ' +
      'to explain why a goal (or a mission linked to it) matters.',
    errors: { not_found: true },
    input: GetDirective,
    output: z.object({ ancestry: z.array(statedAs(Directive, 'A directive.', 'directive_get')), depth: z.number().int() }),
    rest: { method: 'GET', path: '/api/directives/:realmId/:id/ancestry' },
    permission: 'control_plane:directives:read',
    run: (input, ctx) => directiveAncestry(ctx, input),
  }),
];
