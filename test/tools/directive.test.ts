import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect } from '../helpers/connect.js';
import { orgSession } from '../helpers/org.js';

let s: Awaited<ReturnType<typeof connect>>;
let realmId: string;
beforeEach(async () => void ({ s, realmId } = await orgSession()));
afterEach(() => s.close());

const create = (extra: Record<string, unknown>) => s.call('directive_create', { realmId, title: 'Goal', level: 'realm', ...extra });

describe('directives', () => {
  it('builds a goal tree with level order and traces ancestry', async () => {
    const root = await create({ title: 'Ship v2.0', priority: 'critical' });
    const team = await create({ title: 'Auth', level: 'team', parentId: root.id, ownerAgentId: 'agent-cto' });
    const agent = await create({ title: 'Login', level: 'agent', parentId: team.id });
    const { ancestry, depth } = await s.call('directive_ancestry', { realmId, id: agent.id });
    expect(ancestry.map((d: { id: string }) => d.id)).toEqual([agent.id, team.id, root.id]);
    expect(depth).toBe(3);
    const above = await s.fail('directive_create', { realmId, title: 'x', level: 'realm', parentId: team.id });
    expect(above).toMatchObject({ code: 'invalid_input', details: { field: 'level', parentLevel: 'team' } });
  });

  it('checks the parent and the owner exist', async () => {
    expect((await s.fail('directive_create', { realmId, title: 'x', level: 'team', parentId: 'dir-nope' })).details).toMatchObject({ field: 'parentId' });
    expect((await s.fail('directive_create', { realmId, title: 'x', level: 'team', ownerAgentId: 'agent-nobody' })).details).toMatchObject({ field: 'ownerAgentId' });
  });

  it('lists by priority then age, with filters and pages', async () => {
    const normal = await create({ title: 'normal' });
    const high = await create({ title: 'high', priority: 'high' });
    const draft = await create({ title: 'draft', status: 'draft', level: 'team', parentId: normal.id });
    const all = await s.call('directive_list', { realmId });
    expect(all.directives.map((d: { id: string }) => d.id)).toEqual([high.id, normal.id, draft.id]);
    expect((await s.call('directive_list', { realmId, status: 'draft' })).directives.map((d: { id: string }) => d.id)).toEqual([draft.id]);
    expect((await s.call('directive_list', { realmId, parentId: normal.id })).count).toBe(1);
    const page = await s.call('directive_list', { realmId, limit: 2 });
    expect((await s.call('directive_list', { realmId, limit: 2, cursor: page.nextCursor })).directives[0].id).toBe(draft.id);
  });

  it('refuses the cursor of another list (its key does not fit the order), on both engines', async () => {
    await create({ title: 'one' });
    for (const title of ['a', 'b']) await s.call('council_submit', { realmId, kind: 'custom', title, requestedBy: 'agent-cto' });
    // council_proposals pages by ord alone; made with no filters, its cursor passes directive_list's filter check.
    const { nextCursor } = await s.call('council_proposals', { realmId, limit: 1 });
    expect(nextCursor).toEqual(expect.any(String));
    expect(await s.fail('directive_list', { realmId, cursor: nextCursor })).toMatchObject({ code: 'invalid_input', details: { field: 'cursor' } });
    expect((await s.call('directive_list', { realmId })).count).toBe(1);
  });

  it('moves status by the table; completed and cancelled are final', async () => {
    const d = await create({ status: 'draft' });
    const bad = await s.fail('directive_update', { realmId, id: d.id, status: 'completed' });
    expect(bad).toMatchObject({ code: 'invalid_transition', details: { from: 'draft', allowed: ['active', 'cancelled'] } });
    await s.call('directive_update', { realmId, id: d.id, status: 'active' });
    await s.call('directive_update', { realmId, id: d.id, status: 'paused' });
    await s.call('directive_update', { realmId, id: d.id, status: 'active' });
    const done = await s.call('directive_update', { realmId, id: d.id, status: 'completed', expectedVersion: 4 });
    expect(done).toMatchObject({ status: 'completed', version: 5 });
    const final = await s.fail('directive_update', { realmId, id: d.id, title: 'renamed' });
    expect(final.code).toBe('invalid_transition');
  });

  it('refuses a new parent that would loop, and clears fields with null', async () => {
    const a = await create({ title: 'a', level: 'team' });
    const b = await create({ title: 'b', level: 'team', parentId: a.id, description: 'why' });
    const loop = await s.fail('directive_update', { realmId, id: a.id, parentId: b.id });
    expect(loop).toMatchObject({ code: 'cycle_detected', details: { loop: [a.id, b.id, a.id] } });
    const self = await s.fail('directive_update', { realmId, id: a.id, parentId: a.id });
    expect(self.code).toBe('cycle_detected');
    const cleared = await s.call('directive_update', { realmId, id: b.id, parentId: null, description: null });
    expect(cleared).toMatchObject({ parentId: null, description: null, title: 'b' });
    const stale = await s.fail('directive_update', { realmId, id: b.id, title: 'c', expectedVersion: 1 });
    expect(stale).toMatchObject({ code: 'conflict', details: { currentVersion: 2 } });
  });
});
