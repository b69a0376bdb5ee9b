import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../helpers/connect.js';
import { newRealm, seedOrg } from '../helpers/org.js';

let s: Awaited<ReturnType<typeof connect>>;
let realmId: string;
let missionId: string;
let snapshot: unknown;

const exportNow = async () => {
  const { exportedAt: _ignored, ...doc } = await s.call('realm_export', { id: realmId, scrubSecrets: false });
  return doc;
};

beforeAll(async () => {
  s = await connect();
  realmId = (await newRealm(s)).id;
  await seedOrg(s, realmId);
  missionId = (await s.call('mission_create', { realmId, title: 'm', createdBy: 'agent-ceo' })).id;
  snapshot = await exportNow();
});
afterAll(async () => {
  // Every bad call below left the data exactly as it was.
  expect(await exportNow()).toEqual(snapshot);
  await s.close();
});

describe('every tool', () => {
  it('names a missing required field, and refuses unknown keys listing the accepted ones', async () => {
    for (const tool of s.tools) {
      const required = (tool.inputSchema.required ?? []) as string[];
      if (required.length) {
        const missing = await s.fail(tool.name, {});
        expect(missing.code, tool.name).toBe('invalid_input');
        expect(required, tool.name).toContain(missing.details!.field);
        expect(missing.message, tool.name).toContain(`${missing.details!.field} is required`);
      }
      const unknown = await s.fail(tool.name, { bogusKey: 1 });
      const issues = unknown.details!.issues as { message: string }[];
      const unknownIssue = issues.find((i) => i.message.includes('"bogusKey"'));
      expect(unknownIssue, tool.name).toBeDefined();
      expect(unknownIssue!.message, tool.name).toContain(`accepted keys: ${Object.keys(tool.inputSchema.properties ?? {}).join(', ')}`);
    }
  });
});

describe('bad values', () => {
  const cases: [string, () => [string, Record<string, unknown>], string, RegExp][] = [
    ['a wrong type', () => ['hierarchy_set', { realmId, agentId: 'a', rank: '5' }], 'rank', /rank must be a number \(got string\)/],
    ['a fraction where an integer goes', () => ['hierarchy_set', { realmId, agentId: 'a', rank: 2.5 }], 'rank', /rank/],
    ['a rank out of range', () => ['hierarchy_set', { realmId, agentId: 'a', rank: 11 }], 'rank', /rank/],
    ['a limit of 0', () => ['mission_list', { realmId, limit: 0 }], 'limit', /limit/],
    ['a limit over 1000', () => ['realm_list', { limit: 1001 }], 'limit', /limit/],
    ['a blank string', () => ['realm_create', { name: '   ', owner: 'x' }], 'name', /name: must not be empty/],
    ['a title over 500 characters', () => ['mission_create', { realmId, title: 'x'.repeat(501), createdBy: 'a' }], 'title', /at most 500/],
    ['an agent id with a space', () => ['hierarchy_set', { realmId, agentId: 'agent x' }], 'agentId', /agentId/],
    ['an unknown enum value', () => ['mission_list', { realmId, status: 'doing' }], 'status', /status must be one of: "backlog"/],
    ['a wrong constant inside a nested object', () => ['realm_import', { data: { format: 'x' } }], 'data.format', /data.format must be one of: "control-plane-mcp\/realm"/],
    ['a negative expectedVersion', () => ['realm_update', { id: realmId, expectedVersion: -1 }], 'expectedVersion', /expectedVersion/],
    ['too many capabilities', () => ['hierarchy_set', { realmId, agentId: 'a', capabilities: Array.from({ length: 33 }, (_, i) => `c${i}`) }], 'capabilities', /32/],
    ['a capability over 64 characters', () => ['hierarchy_set', { realmId, agentId: 'a', capabilities: ['c'.repeat(65)] }], 'capabilities[0]', /64/],
    ['metadata over 64 KiB', () => ['realm_create', { name: 'n', owner: 'o', metadata: { blob: 'x'.repeat(70_000) } }], 'metadata', /64 KiB/],
  ];
  for (const [what, build, field, message] of cases) {
    it(`refuses ${what}, naming ${field}`, async () => {
      const [tool, args] = build();
      const error = await s.fail(tool, args);
      expect(error.code).toBe('invalid_input');
      expect(error.details!.field).toBe(field);
      expect(error.message).toMatch(message);
    });
  }

  it('answers an unknown tool with the closest names', async () => {
    const error = await s.fail('mission_chekout', { realmId });
    expect(error).toMatchObject({ code: 'invalid_input', details: { field: 'name' } });
    expect((error.details!.closest as string[])[0]).toBe('mission_checkout');
  });

  it('gives not_found for ids that do not exist, and keeps serving', async () => {
    expect((await s.fail('mission_checkout', { realmId, id: 'msn-missing', agentId: 'agent-dev-1' })).code).toBe('not_found');
    expect((await s.fail('directive_get', { realmId, id: 'dir-missing' })).code).toBe('not_found');
    expect((await s.call('mission_list', { realmId })).count).toBe(1);
  });

  it('never lets a mission move on a refused call', async () => {
    await s.fail('mission_checkout', { realmId, id: missionId, agentId: 'agent-dev-1', expectedVersion: 9 });
    expect((await s.call('mission_list', { realmId })).missions[0]).toMatchObject({ status: 'backlog', version: 1 });
  });
});
