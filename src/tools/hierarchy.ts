import { z } from 'zod';
import { heartbeat } from '../domain/fleet/heartbeat.js';
import { Chain, Find, Heartbeat, RemoveNode, SetNode, Tree } from '../domain/hierarchy/inputs.js';
import { LivenessField, Node, SeenNode, TreeNode } from '../domain/hierarchy/model.js';
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
    output: statedAs(Node, 'The node as set.', 'hierarchy_chain', 'output', '#/properties/chain/items'),
    rest: { method: 'POST', path: '/api/hierarchy', aliases: [{ method: 'POST', path: '/api/control-plane/agents' }] },
    permission: 'control_plane:agents:write',
    run: (input, ctx) => setNode(ctx, input),
  }),
  declare({
    id: 'hierarchy::tree',
    title: 'Org chart tree',
    description:
      'Read the org chart as trees, each agent with its reports (rank desc, then agentId), liveness and region. A ' +
      'node leaves out what is null, empty or false (no liveness: it never sent a heartbeat). With rootAgentId, ' +
      'only that agent\'s subtree. Returns {roots}.',
    errors: { not_found: true },
    input: Tree,
    output: z.object({ roots: z.array(TreeNode) }),
    rest: { method: 'GET', path: '/api/hierarchy/:realmId/tree' },
    permission: 'control_plane:agents:read',
    run: (input, ctx) => orgTree(ctx, input),
  }),
  declare({
    id: 'hierarchy::find',
    title: 'Find agents',
    description:
      'Find the agents that have a capability (exact match, any case), or every agent without one, leaving out ' +
      'terminated ones; optionally only under one manager, in some liveness states or in one region. Use it to ' +
      'pick who can do a mission. Returns {matches (each with its liveness), count}, rank desc then agentId.',
    errors: { not_found: true },
    input: Find,
    output: z.object({ matches: z.array(SeenNode), count: z.number().int() }),
    rest: { method: 'GET', path: '/api/hierarchy/:realmId/find', aliases: [{ method: 'GET', path: '/api/control-plane/agents' }] },
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
    output: z.object({ removed: statedAs(Node, 'The node as it was removed.', 'hierarchy_chain', 'output', '#/properties/chain/items'), reparented: z.array(z.string()), releasedMissions: z.array(z.string()) }),
    rest: { method: 'DELETE', path: '/api/hierarchy/:realmId/:agentId', aliases: [{ method: 'DELETE', path: '/api/control-plane/agents/:agentId' }] },
    permission: 'control_plane:agents:delete',
    run: (input, ctx) => removeNode(ctx, input),
  }),
  declare({
    id: 'hierarchy::heartbeat',
    title: 'Agent heartbeat',
    description:
      'Say that an agent is alive: its state (starting, ready, busy, draining; default ready), and optionally its ' +
      'load, region and version. Send it every heartbeatIntervalSecs (returned); an agent silent for longer than ' +
      'the realm\'s heartbeat timeout is offline and is neither pulsed nor handed work. It also renews the leases ' +
      'of the active missions the agent holds. Agents that never send one keep liveness null and work as before. ' +
      'Returns {agentId, liveness, heartbeatAt, heartbeatIntervalSecs, leasesRenewed}.',
    errors: {
      forbidden: 'the agent is not in the org chart or is terminated, or an agent beats for another',
      realm_suspended: true,
    },
    input: Heartbeat,
    output: z.object({
      agentId: z.string(),
      liveness: LivenessField,
      heartbeatAt: z.string(),
      heartbeatIntervalSecs: z.number().int().describe('Send the next heartbeat within this many seconds.'),
      leasesRenewed: z.number().int().describe('Active missions of the agent whose lease this heartbeat moved.'),
    }),
    rest: {
      method: 'POST',
      path: '/api/hierarchy/:realmId/:agentId/heartbeat',
      aliases: [{ method: 'POST', path: '/api/control-plane/agents/:agentId/heartbeat' }],
    },
    permission: 'control_plane:agents:heartbeat',
    actsAs: ['agentId'],
    run: (input, ctx) => heartbeat(ctx, input),
  }),
];
