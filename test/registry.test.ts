import type { ToolAnnotations } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes } from '../src/domain/errors.js';
import { agentPrincipal, operatorPrincipal } from '../src/domain/principal.js';
import { catalogue } from '../src/tools/catalogue.js';
import { toolName } from '../src/tools/declaration.js';
import { Registry } from '../src/tools/registry.js';
import { connect } from './helpers/connect.js';

let s: Awaited<ReturnType<typeof connect>>;
beforeAll(async () => void (s = await connect()));
afterAll(() => s.close());

// The spec's annotation table, for the functions this build serves.
const spec = {
  readOnly: [
    'realm_get', 'realm_list', 'realm_export', 'hierarchy_tree', 'hierarchy_find', 'hierarchy_chain', 'directive_get',
    'directive_list', 'directive_ancestry', 'mission_list', 'mission_comments', 'ledger_check', 'ledger_summary',
    'council_proposals', 'council_activity_log', 'council_verify', 'pulse_status', 'bridge_list', 'bridge_run',
    'mission_queue',
  ],
  destructive: ['realm_delete', 'hierarchy_remove', 'mission_transition', 'mission_fail', 'council_decide', 'council_override', 'bridge_cancel'],
  idempotentWrites: ['realm_update', 'hierarchy_set', 'directive_update', 'mission_checkout', 'ledger_set_budget', 'pulse_register', 'pulse_toggle', 'mission_update'],
  openWorld: ['bridge_invoke', 'pulse_invoke', 'pulse_tick'],
};

/** The hints a client reads: MCP's defaults where a hint is absent (destructive, idempotent: only when not read-only). */
const hints = (a: ToolAnnotations) => {
  const readOnlyHint = a.readOnlyHint ?? false;
  return {
    readOnlyHint,
    destructiveHint: readOnlyHint ? false : (a.destructiveHint ?? true),
    idempotentHint: readOnlyHint ? true : (a.idempotentHint ?? false),
    openWorldHint: a.openWorldHint ?? true,
  };
};

describe('the served tools', () => {
  it('are the catalogue, one per declaration, named area_action', () => {
    expect(s.tools.map((t) => t.name)).toEqual(catalogue.map((d) => toolName(d.id)));
    expect(new Set(s.tools.map((t) => t.name)).size).toBe(s.tools.length);
  });

  it('follow the naming, description, annotation and schema conventions', () => {
    for (const tool of s.tools) {
      expect(tool.name).toMatch(/^[a-z][a-z0-9_]{0,39}$/);
      expect(tool.title, tool.name).toBeTruthy();
      expect(tool.description!.length, tool.name).toBeGreaterThan(40);
      expect(tool.description!.length, tool.name).toBeLessThanOrEqual(1024);
      // The error codes besides invalid_input and internal (which every call can give: the server's instructions say so).
      const errors = tool.description!.match(/\nErrors: (.*)\.$/)?.[1];
      for (const entry of errors?.split('; ') ?? []) expect(Object.keys(errorCodes), `${tool.name}: ${entry}`).toContain(entry.split(' ')[0]);
      expect(tool.description, tool.name).not.toContain(errorCodes.invalid_input.meaning);
      expect(tool.description, tool.name).not.toContain(errorCodes.internal.meaning);
      // Hints equal to MCP's defaults are left out; the title is the tool's own.
      expect(tool.annotations, tool.name).not.toHaveProperty('title');
      expect(Object.values(tool.annotations!).every((v) => typeof v === 'boolean'), tool.name).toBe(true);
      expect(tool.inputSchema.type).toBe('object');
      expect(tool.outputSchema?.type, tool.name).toBe('object');
      for (const k of ['anyOf', 'oneOf', 'allOf']) expect(tool.inputSchema, tool.name).not.toHaveProperty(k);
      // Strict inputs: unknown keys are refused, and the schema says so.
      expect(tool.inputSchema.additionalProperties, tool.name).toBe(false);
    }
  });

  it('carry the spec\'s annotation table', () => {
    for (const tool of s.tools) {
      const a = hints(tool.annotations!);
      expect(a.readOnlyHint, tool.name).toBe(spec.readOnly.includes(tool.name));
      expect(a.destructiveHint, tool.name).toBe(spec.destructive.includes(tool.name));
      expect(a.idempotentHint, tool.name).toBe(spec.readOnly.includes(tool.name) || spec.idempotentWrites.includes(tool.name));
      expect(a.openWorldHint, tool.name).toBe(spec.openWorld.includes(tool.name));
    }
  });

  it('each declare a REST route whose path parameters are inputs', () => {
    // pulse_tick has no route: the scheduler calls it (and operators, as a tool).
    for (const d of catalogue.filter((x) => x.id !== 'pulse::tick')) {
      expect(d.rest, d.id).not.toBeNull();
      expect(d.rest!.path).toMatch(/^\/api\//);
      const tool = s.tools.find((t) => t.name === toolName(d.id))!;
      for (const [, param] of d.rest!.path.matchAll(/:([A-Za-z]+)/g)) expect(Object.keys(tool.inputSchema.properties ?? {}), d.id).toContain(param);
    }
    const routes = catalogue.filter((d) => d.rest).map((d) => `${d.rest!.method} ${d.rest!.path}`);
    expect(new Set(routes).size).toBe(routes.length);
  });

  it('match the committed tools/list snapshot (update with: npx vitest run -u)', async () => {
    await expect(JSON.stringify(s.tools, null, 2) + '\n').toMatchFileSnapshot('./__snapshots__/tools-list.json');
  });
});

describe('the tools an operator or agent is served', () => {
  it('leave out the fields its principal fills in, and only those', async () => {
    const app = s.app;
    const realmId = (await s.call('realm_create', { name: 'roles', owner: 'o' })).id;
    await s.call('hierarchy_set', { realmId, agentId: 'agent-dev-1' });
    const agent = await connect({ app, principal: agentPrincipal(realmId, 'agent-dev-1') });
    const operator = await connect({ app, principal: operatorPrincipal(realmId) });
    const inputs = (session: typeof s, name: string) => session.tools.find((t) => t.name === name)!.inputSchema;
    expect(inputs(agent, 'mission_checkout')).toMatchObject({ properties: { id: {}, expectedVersion: {} }, required: ['id'] });
    expect(Object.keys(inputs(agent, 'mission_checkout').properties!)).toEqual(['id', 'expectedVersion']);
    expect(Object.keys(inputs(agent, 'council_activity').properties!)).not.toContain('actorKind');
    expect(Object.keys(inputs(operator, 'mission_checkout').properties!)).toEqual(['id', 'agentId', 'expectedVersion']);
    expect(inputs(operator, 'realm_get').properties).toEqual({});
    // What is left is enough: the calls work without the fields.
    const mission = await operator.call('mission_create', { title: 'm', createdBy: 'o', status: 'queued' });
    expect(await agent.call('mission_checkout', { id: mission.id })).toMatchObject({ assigneeId: 'agent-dev-1', realmId });
    expect((await operator.call('realm_get', {})).id).toBe(realmId);
    await agent.close();
    await operator.close();
  });
});

describe('filtering', () => {
  it('serves only the named toolsets', () => {
    const registry = new Registry(catalogue, { toolsets: ['mission'] });
    expect(registry.names).toEqual(['mission_create', 'mission_checkout', 'mission_release', 'mission_transition', 'mission_list', 'mission_comment', 'mission_comments', 'mission_update', 'mission_claim_next', 'mission_fail', 'mission_queue']);
  });

  it('serves exactly the read-only tools with readOnly', async () => {
    const ro = await connect({ readOnly: true });
    expect(ro.tools.map((t) => t.name).sort()).toEqual(spec.readOnly.filter((n) => s.tools.some((t) => t.name === n)).sort());
    const refused = await ro.fail('realm_create', { name: 'n', owner: 'o' });
    expect(refused).toMatchObject({ code: 'invalid_input', details: { field: 'name' } });
    await ro.close();
  });
});
