import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect } from '../helpers/connect.js';
import { newRealm, orgSession } from '../helpers/org.js';

let s: Awaited<ReturnType<typeof connect>>;
let realmId: string;
beforeEach(async () => void ({ s, realmId } = await orgSession()));
afterEach(() => s.close());

const names = (list: { agentId: string }[]) => list.map((n) => n.agentId);

describe('the hierarchy document examples', () => {
  it('builds the diagram as a tree, children by rank desc then agentId', async () => {
    const { roots } = await s.call('hierarchy_tree', { realmId });
    expect(roots).toHaveLength(1);
    const [ceo] = roots;
    expect(ceo).toMatchObject({ agentId: 'agent-ceo', title: 'CEO', capabilities: ['leadership', 'strategy'], rank: 10, status: 'active' });
    expect(names(ceo.reports)).toEqual(['agent-cfo', 'agent-cto']);
    const cto = ceo.reports[1];
    expect(cto).toMatchObject({ title: 'CTO', rank: 8 });
    expect(names(cto.reports)).toEqual(['agent-dev-3', 'agent-dev-1', 'agent-dev-2']);
    expect(names(ceo.reports[0].reports)).toEqual(['agent-accountant']);
  });

  it('leaves out of each node what is null, empty or false', async () => {
    await s.call('hierarchy_set', { realmId, agentId: 'agent-temp', reportsTo: 'agent-accountant' });
    const { roots } = await s.call('hierarchy_tree', { realmId });
    const accountant = roots[0].reports[0].reports[0];
    // No liveness (never sent a heartbeat), no region, not truncated; one report, which has no title,
    // capabilities or reports either.
    expect(accountant).toEqual({
      agentId: 'agent-accountant', title: 'Accountant', capabilities: ['bookkeeping'], rank: 4, status: 'active',
      reports: [{ agentId: 'agent-temp', rank: 0, status: 'active' }],
    });
    await s.call('hierarchy_heartbeat', { realmId, agentId: 'agent-temp', region: 'eu-west' });
    const after = await s.call('hierarchy_tree', { realmId, rootAgentId: 'agent-temp' });
    expect(after.roots).toEqual([{ agentId: 'agent-temp', rank: 0, status: 'active', liveness: 'ready', region: 'eu-west' }]);
  });

  it('puts a report that outranks its manager under it, reports still rank desc then agentId', async () => {
    await s.call('hierarchy_set', { realmId, agentId: 'agent-star', reportsTo: 'agent-dev-2', rank: 9 });
    await s.call('hierarchy_set', { realmId, agentId: 'agent-a', reportsTo: 'agent-dev-2', rank: 1 });
    await s.call('hierarchy_set', { realmId, agentId: 'agent-b', reportsTo: 'agent-dev-2', rank: 9 });
    const { roots } = await s.call('hierarchy_tree', { realmId });
    const dev2 = roots[0].reports[1].reports.find((r: { agentId: string }) => r.agentId === 'agent-dev-2');
    expect(names(dev2.reports)).toEqual(['agent-b', 'agent-star', 'agent-a']);
  });

  it('returns one subtree for rootAgentId', async () => {
    const { roots } = await s.call('hierarchy_tree', { realmId, rootAgentId: 'agent-cto' });
    expect(names(roots)).toEqual(['agent-cto']);
    expect(names(roots[0].reports)).toEqual(['agent-dev-3', 'agent-dev-1', 'agent-dev-2']);
  });

  it('finds code-review in any case: agent-dev-1 and the Tech Lead', async () => {
    const found = await s.call('hierarchy_find', { realmId, capability: 'code-review' });
    expect(found.count).toBe(2);
    expect(found.matches.map((m: { agentId: string; title: string }) => [m.agentId, m.title])).toEqual([
      ['agent-dev-3', 'Tech Lead'],
      ['agent-dev-1', 'Senior Engineer'],
    ]);
    expect((await s.call('hierarchy_find', { realmId, capability: 'CODE-REVIEW' })).count).toBe(2);
  });

  it('gives the chain of command from agent-dev-1 up to the CEO', async () => {
    const { chain } = await s.call('hierarchy_chain', { realmId, agentId: 'agent-dev-1' });
    expect(chain.map((n: { agentId: string; title: string; reportsTo: string | null }) => [n.agentId, n.title, n.reportsTo])).toEqual([
      ['agent-dev-1', 'Senior Engineer', 'agent-cto'],
      ['agent-cto', 'CTO', 'agent-ceo'],
      ['agent-ceo', 'CEO', null],
    ]);
  });
});

describe('hierarchy_set', () => {
  it('normalises capabilities: trimmed, lower-cased, deduplicated', async () => {
    const node = await s.call('hierarchy_set', { realmId, agentId: 'agent-x', capabilities: [' Rust ', 'rust', 'Go'] });
    expect(node.capabilities).toEqual(['rust', 'go']);
  });

  it('keeps omitted fields on update, makes a root with reportsTo null, and bumps the version', async () => {
    const before = await s.call('hierarchy_set', { realmId, agentId: 'agent-dev-1', rank: 6 });
    expect(before).toMatchObject({ title: 'Senior Engineer', reportsTo: 'agent-cto', rank: 6, version: 2 });
    const root = await s.call('hierarchy_set', { realmId, agentId: 'agent-dev-1', reportsTo: null });
    expect(root).toMatchObject({ reportsTo: null, title: 'Senior Engineer', rank: 6, version: 3 });
  });

  it('refuses self-report and loops with cycle_detected and the loop', async () => {
    const self = await s.fail('hierarchy_set', { realmId, agentId: 'agent-cto', reportsTo: 'agent-cto' });
    expect(self.code).toBe('cycle_detected');
    expect(self.details!.loop).toEqual(['agent-cto', 'agent-cto']);
    const loop = await s.fail('hierarchy_set', { realmId, agentId: 'agent-ceo', reportsTo: 'agent-dev-1' });
    expect(loop.code).toBe('cycle_detected');
    expect(loop.details!.loop).toEqual(['agent-ceo', 'agent-dev-1', 'agent-cto', 'agent-ceo']);
    // Nothing changed.
    expect((await s.call('hierarchy_chain', { realmId, agentId: 'agent-ceo' })).chain).toHaveLength(1);
  });

  it('refuses an unknown manager and a wrong expectedVersion', async () => {
    const unknown = await s.fail('hierarchy_set', { realmId, agentId: 'agent-x', reportsTo: 'agent-nobody' });
    expect(unknown).toMatchObject({ code: 'not_found', details: { field: 'reportsTo' } });
    const stale = await s.fail('hierarchy_set', { realmId, agentId: 'agent-cto', rank: 9, expectedVersion: 7 });
    expect(stale).toMatchObject({ code: 'conflict', details: { currentVersion: 1, expectedVersion: 7 } });
    const createOnly = await s.fail('hierarchy_set', { realmId, agentId: 'agent-cto', expectedVersion: 0 });
    expect(createOnly.code).toBe('conflict');
    expect((await s.call('hierarchy_set', { realmId, agentId: 'agent-new', expectedVersion: 0 })).version).toBe(1);
  });

  it('holds maxAgents, counting non-terminated nodes', async () => {
    const small = (await newRealm(s, { maxAgents: 2 })).id;
    await s.call('hierarchy_set', { realmId: small, agentId: 'a1' });
    await s.call('hierarchy_set', { realmId: small, agentId: 'a2' });
    const full = await s.fail('hierarchy_set', { realmId: small, agentId: 'a3' });
    expect(full).toMatchObject({ code: 'conflict', details: { maxAgents: 2 } });
    // Updating an existing node is not a hire.
    expect((await s.call('hierarchy_set', { realmId: small, agentId: 'a2', title: 'Two' })).title).toBe('Two');
  });

  it('refuses an unknown realm', async () => {
    const error = await s.fail('hierarchy_set', { realmId: 'realm-nope', agentId: 'agent-x' });
    expect(error).toMatchObject({ code: 'not_found', details: { entity: 'realm' } });
  });
});

describe('hierarchy_tree and hierarchy_find options', () => {
  it('cuts at maxDepth and says where', async () => {
    const { roots } = await s.call('hierarchy_tree', { realmId, maxDepth: 1 });
    expect(roots[0]).not.toHaveProperty('truncated');
    const cto = roots[0].reports.find((r: { agentId: string }) => r.agentId === 'agent-cto');
    expect(cto).toMatchObject({ agentId: 'agent-cto', truncated: true });
    expect(cto).not.toHaveProperty('reports');
    const zero = await s.call('hierarchy_tree', { realmId, maxDepth: 0 });
    expect(zero.roots[0]).toMatchObject({ agentId: 'agent-ceo', truncated: true });
    expect(zero.roots[0]).not.toHaveProperty('reports');
    // A leaf at the cut has nothing cut: not truncated.
    const accountant = (await s.call('hierarchy_tree', { realmId, maxDepth: 2 })).roots[0].reports[0].reports[0];
    expect(accountant).toMatchObject({ agentId: 'agent-accountant' });
    expect(accountant).not.toHaveProperty('truncated');
  });

  it('finds only under one manager', async () => {
    await s.call('hierarchy_set', { realmId, agentId: 'agent-auditor', reportsTo: 'agent-cfo', capabilities: ['code-review'] });
    const found = await s.call('hierarchy_find', { realmId, capability: 'code-review', underAgentId: 'agent-cfo' });
    expect(names(found.matches)).toEqual(['agent-auditor']);
  });

  it('says not_found for an unknown root or chain agent', async () => {
    expect((await s.fail('hierarchy_tree', { realmId, rootAgentId: 'agent-nobody' })).code).toBe('not_found');
    expect((await s.fail('hierarchy_chain', { realmId, agentId: 'agent-nobody' })).details).toMatchObject({ entity: 'agent', id: 'agent-nobody' });
    // The realm is looked up only when the chain is empty: a missing realm is still named as such.
    expect((await s.fail('hierarchy_chain', { realmId: 'realm-nowhere', agentId: 'agent-cto' })).details).toMatchObject({ entity: 'realm', id: 'realm-nowhere' });
  });
});

describe('hierarchy_remove', () => {
  it('moves direct reports to the manager, requeues missions, clears goal ownership', async () => {
    const directive = await s.call('directive_create', { realmId, title: 'Platform', level: 'team', ownerAgentId: 'agent-cto' });
    const mission = await s.call('mission_create', { realmId, title: 'Design', createdBy: 'agent-ceo', status: 'queued' });
    await s.call('mission_checkout', { realmId, id: mission.id, agentId: 'agent-cto' });

    const result = await s.call('hierarchy_remove', { realmId, agentId: 'agent-cto' });
    expect(result.removed).toMatchObject({ agentId: 'agent-cto', title: 'CTO' });
    expect(result.reparented.sort()).toEqual(['agent-dev-1', 'agent-dev-2', 'agent-dev-3']);
    expect(result.releasedMissions).toEqual([mission.id]);

    const { roots } = await s.call('hierarchy_tree', { realmId });
    expect(names(roots[0].reports)).toEqual(['agent-cfo', 'agent-dev-3', 'agent-dev-1', 'agent-dev-2']);
    const [after] = (await s.call('mission_list', { realmId })).missions;
    expect(after).toMatchObject({ status: 'queued', assigneeId: null });
    expect((await s.call('directive_get', { realmId, id: directive.id })).ownerAgentId).toBeNull();
    expect((await s.fail('hierarchy_chain', { realmId, agentId: 'agent-cto' })).code).toBe('not_found');
  });

  it('reassigns to reassignTo, refusing one inside the removed subtree', async () => {
    const inside = await s.fail('hierarchy_remove', { realmId, agentId: 'agent-cto', reassignTo: 'agent-dev-1' });
    expect(inside.code).toBe('cycle_detected');
    await s.call('hierarchy_remove', { realmId, agentId: 'agent-cto', reassignTo: 'agent-cfo' });
    const { chain } = await s.call('hierarchy_chain', { realmId, agentId: 'agent-dev-2' });
    expect(names(chain)).toEqual(['agent-dev-2', 'agent-cfo', 'agent-ceo']);
  });

  it('makes the reports of a removed root into roots', async () => {
    await s.call('hierarchy_remove', { realmId, agentId: 'agent-ceo' });
    const { roots } = await s.call('hierarchy_tree', { realmId });
    expect(names(roots).sort()).toEqual(['agent-cfo', 'agent-cto']);
  });
});

describe('hierarchy_find follows every change of the org', () => {
  const find = async (capability: string, underAgentId?: string) =>
    names((await s.call('hierarchy_find', { realmId, capability, ...(underAgentId ? { underAgentId } : {}) })).matches);

  it('sees new and dropped capabilities, removals and terminations, in rank then id order', async () => {
    await s.call('hierarchy_set', { realmId, agentId: 'agent-dev-2', capabilities: ['typescript', 'code-review'] });
    await s.call('hierarchy_set', { realmId, agentId: 'agent-dev-1', capabilities: ['rust'] });
    expect(await find('CODE-REVIEW')).toEqual(['agent-dev-3', 'agent-dev-2']);
    await s.call('hierarchy_remove', { realmId, agentId: 'agent-dev-3' });
    expect(await find('code-review')).toEqual(['agent-dev-2']);
    await s.call('hierarchy_set', { realmId, agentId: 'agent-dev-9', reportsTo: 'agent-cfo', capabilities: ['code-review'], rank: 5 });
    expect(await find('code-review')).toEqual(['agent-dev-2', 'agent-dev-9']);
    expect(await find('code-review', 'agent-cfo')).toEqual(['agent-dev-9']);
    const terminate = await s.call('council_submit', { realmId, kind: 'terminate_agent', title: 't', requestedBy: 'agent-cto', payload: { agentId: 'agent-dev-2' } });
    await s.call('council_decide', { realmId, id: terminate.id, approved: true, decidedBy: 'agent-ceo' });
    expect(await find('code-review')).toEqual(['agent-dev-9']);
  });

  it('keeps finding the agents of an imported copy of the realm', async () => {
    const copy = await s.call('realm_import', { data: await s.call('realm_export', { id: realmId }), newName: 'copy' });
    const copied = names((await s.call('hierarchy_find', { realmId: copy.realm.id, capability: 'typescript' })).matches);
    expect(copied).toEqual(['agent-dev-1', 'agent-dev-2']);
  });
});

describe('hierarchy_chain and hierarchy_tree on a deep org', () => {
  it('walks a chain of 12 levels up in order, and builds the same levels down', async () => {
    for (let i = 1; i <= 12; i++) await s.call('hierarchy_set', { realmId, agentId: `agent-l${i}`, reportsTo: i === 1 ? 'agent-dev-1' : `agent-l${i - 1}` });
    const { chain } = await s.call('hierarchy_chain', { realmId, agentId: 'agent-l12' });
    expect(names(chain)).toEqual([...Array.from({ length: 12 }, (_, i) => `agent-l${12 - i}`), 'agent-dev-1', 'agent-cto', 'agent-ceo']);
    expect(chain[0]).toMatchObject({ agentId: 'agent-l12', realmId, reportsTo: 'agent-l11', capabilities: [], version: 1 });
    const { roots } = await s.call('hierarchy_tree', { realmId, rootAgentId: 'agent-l3', maxDepth: 8 });
    let depth = 0;
    for (let n = roots[0]; n.reports; n = n.reports[0]) depth++;
    expect(depth).toBe(8);
    expect((await s.call('hierarchy_tree', { realmId, rootAgentId: 'agent-l3' })).roots[0].reports[0].reports[0].agentId).toBe('agent-l5');
  });

  it('refuses a manager that would close a loop several levels up', async () => {
    await s.call('hierarchy_set', { realmId, agentId: 'agent-intern', reportsTo: 'agent-dev-1' });
    const failure = await s.fail('hierarchy_set', { realmId, agentId: 'agent-cto', reportsTo: 'agent-intern' });
    expect(failure).toMatchObject({ code: 'cycle_detected', details: { loop: ['agent-cto', 'agent-intern', 'agent-dev-1', 'agent-cto'] } });
  });
});
