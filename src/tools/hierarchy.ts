import { z } from 'zod';
import { Chain, Find, RemoveNode, SetNode, Tree } from '../domain/hierarchy/inputs.js';
import { Node, TreeNode } from '../domain/hierarchy/model.js';
import { chainOfCommand, findByCapability, orgTree } from '../domain/hierarchy/queries.js';
import { removeNode } from '../domain/hierarchy/remove.js';
import { setNode } from '../domain/hierarchy/set.js';
import { declare } from './declaration.js';
import { statedAs } from './wire-schema.js';

export const hierarchyFunctions = [
  declare({
    id: 'hierarchy::set',
    title: 'Place agent in org chart',
    description:
      'Add an agent to the realm\'s org chart or change its place (upsert by agentId). New agents are active with ' +
      'rank 0. On update, omitted fields keep their value and reportsTo: null makes the agent a root. Loops are ' +
      'refused. Use it to hire, re-title, re-skill or move an agent. Returns the node.',
    errors: {
      not_found: true,
      cycle_detected: 'the agent would report to itself or to someone under it (details.loop)',
      conflict: 'expectedVersion mismatch, a terminated agent (remove it first), or the realm is at maxAgents',
      realm_suspended: true,
    },
    input: SetNode,
    output: Node,
    rest: { method: 'POST', path: '/api/hierarchy' },
    permission: 'control_plane:agents:write',
    run: (input, ctx) => setNode(ctx, input),
  }),
  declare({
    id: 'hierarchy::tree',
    title: 'Org chart tree',
    description:
      'Read the org chart as trees, each agent with its reports (rank desc, then agentId). With rootAgentId, only ' +
      'that agent\'s subtree. Returns {roots}.',
    errors: { not_found: true },
    input: Tree,
    output: z.object({ roots: z.array(TreeNode) }),
    rest: { method: 'GET', path: '/api/hierarchy/:realmId/tree' },
    permission: 'control_plane:agents:read',
    run: (input, ctx) => orgTree(ctx, input),
  }),
  declare({
    id: 'hierarchy::find',
    title: 'Find agents by capability',
    description:
      'Find the agents that have a capability (exact match, any case), leaving out terminated ones; optionally only ' +
      'under one manager. Use it to pick who can do a mission. Returns {matches, count}, rank desc then agentId.',
    errors: { not_found: true },
    input: Find,
    output: z.object({ matches: z.array(Node), count: z.number().int() }),
    rest: { method: 'GET', path: '/api/hierarchy/:realmId/find' },
    permission: 'control_plane:agents:read',
    run: (input, ctx) => findByCapability(ctx, input),
  }),
  declare({
    id: 'hierarchy::chain',
    title: 'Chain of command',
    description:
      'The chain of command of an agent: {chain: [node, its manager, ..., root]}. Use it to find who may approve ' +
      'or escalate for an agent (anyone in the chain is above it).',
    errors: { not_found: true },
    input: Chain,
    output: z.object({ chain: z.array(Node) }),
    rest: { method: 'GET', path: '/api/hierarchy/:realmId/chain/:agentId' },
    permission: 'control_plane:agents:read',
    run: (input, ctx) => chainOfCommand(ctx, input),
  }),
  declare({
    id: 'hierarchy::remove',
    title: 'Remove agent from org chart',
    description:
      'Remove an agent without leaving orphans: its direct reports move to reassignTo (default: its manager, or ' +
      'they become roots), its active, blocked and review missions go back to queued, and goals it owned lose ' +
      'their owner. Returns {removed, reparented, releasedMissions}.',
    errors: {
      not_found: true,
      cycle_detected: 'reassignTo is inside the removed agent\'s subtree',
      realm_suspended: true,
    },
    input: RemoveNode,
    output: z.object({ removed: statedAs(Node, 'The node as it was removed.', 'hierarchy_set'), reparented: z.array(z.string()), releasedMissions: z.array(z.string()) }),
    rest: { method: 'DELETE', path: '/api/hierarchy/:realmId/:agentId' },
    permission: 'control_plane:agents:delete',
    run: (input, ctx) => removeNode(ctx, input),
  }),
];
