import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect } from '../helpers/connect.js';

// The overview document's usage example, with real ids in place of r-1 and dir-1.
describe('the overview usage example', () => {
  let s: Awaited<ReturnType<typeof connect>>;
  beforeEach(async () => void (s = await connect()));
  afterEach(() => s.close());

  it('refuses its realm example, which leaves out owner, naming the field', async () => {
    const error = await s.fail('realm_create', {
      name: 'production',
      description: 'Production environment',
      defaultModel: 'claude-sonnet-4',
      maxAgents: 100,
    });
    expect(error.code).toBe('invalid_input');
    expect(error.message).toBe('owner is required');
    expect(error.details).toMatchObject({ field: 'owner' });
    expect((await s.call('realm_list')).count).toBe(0);
  });

  it('runs the realm, hierarchy, directive and mission calls', async () => {
    const realm = await s.call('realm_create', {
      name: 'production',
      description: 'Production environment',
      owner: 'admin',
      defaultModel: 'claude-sonnet-4',
      maxAgents: 100,
    });
    expect(realm).toMatchObject({ name: 'production', owner: 'admin', status: 'active', maxAgents: 100, version: 1 });
    expect(realm.id).toMatch(/^realm-[0-9a-f-]{36}$/);

    const ceo = await s.call('hierarchy_set', {
      realmId: realm.id,
      agentId: 'agent-ceo',
      title: 'CEO',
      capabilities: ['leadership', 'strategy'],
      rank: 10,
    });
    expect(ceo).toMatchObject({ agentId: 'agent-ceo', reportsTo: null, rank: 10, status: 'active', version: 1 });

    const directive = await s.call('directive_create', { realmId: realm.id, title: 'Ship v2.0', level: 'realm', priority: 'critical' });
    expect(directive).toMatchObject({ title: 'Ship v2.0', level: 'realm', priority: 'critical', status: 'active', parentId: null });
    expect(directive.id).toMatch(/^dir-/);

    const mission = await s.call('mission_create', {
      realmId: realm.id,
      title: 'Build authentication',
      directiveId: directive.id,
      priority: 'high',
      createdBy: 'agent-pm',
    });
    expect(mission).toMatchObject({ directiveId: directive.id, priority: 'high', createdBy: 'agent-pm', status: 'backlog', assigneeId: null });
    expect(mission.id).toMatch(/^msn-/);
  });
});
