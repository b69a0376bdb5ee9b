import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect } from '../helpers/connect.js';
import { rawSql } from '../helpers/raw-sql.js';
import { orgSession } from '../helpers/org.js';

let s: Awaited<ReturnType<typeof connect>>;
let realmId: string;
beforeEach(async () => void ({ s, realmId } = await orgSession()));
afterEach(() => s.close());

const submit = (kind: string, payload?: Record<string, unknown>) =>
  s.call('council_submit', { realmId, kind, title: `${kind} please`, requestedBy: 'agent-cto', ...(payload ? { payload } : {}) });
const approve = (id: string, extra: Record<string, unknown> = {}) => s.call('council_decide', { realmId, id, approved: true, decidedBy: 'agent-ceo', ...extra });

describe('proposals take effect when approved', () => {
  it('hire_agent creates the node', async () => {
    const p = await submit('hire_agent', { agentId: 'agent-research', reportsTo: 'agent-cto', capabilities: ['Research'], rank: 4 });
    expect(p).toMatchObject({ status: 'pending', kind: 'hire_agent', effect: null, decidedBy: null, version: 1 });
    const decided = await approve(p.id, { note: 'welcome' });
    expect(decided).toMatchObject({ status: 'approved', decidedBy: 'agent-ceo', decisionNote: 'welcome', version: 2 });
    expect(decided.effect).toMatchObject({ kind: 'hire_agent', node: { agentId: 'agent-research', reportsTo: 'agent-cto', capabilities: ['research'], status: 'active' } });
    expect((await s.call('hierarchy_chain', { realmId, agentId: 'agent-research' })).chain).toHaveLength(3);
  });

  it('terminate_agent terminates, releasing missions', async () => {
    const m = await s.call('mission_create', { realmId, title: 'm', createdBy: 'agent-cto' });
    await s.call('mission_checkout', { realmId, id: m.id, agentId: 'agent-dev-2' });
    const first = await submit('terminate_agent', { agentId: 'agent-dev-2' });
    const duplicate = await submit('terminate_agent', { agentId: 'agent-dev-2' });
    const decided = await approve(first.id);
    expect(decided.status).toBe('approved');
    expect((await s.call('council_proposals', { realmId, status: 'cancelled' })).proposals.map((p: { id: string }) => p.id)).toEqual([duplicate.id]);
    expect(decided.effect).toMatchObject({ kind: 'terminate_agent', node: { agentId: 'agent-dev-2', status: 'terminated' }, releasedMissions: [m.id], cancelledRuns: [] });
    expect((await s.call('mission_list', { realmId })).missions[0]).toMatchObject({ status: 'queued', assigneeId: null });
  });

  it('budget_override sets the budget', async () => {
    const decided = await approve((await submit('budget_override', { agentId: 'agent-dev-1', monthlyCents: 4200 })).id);
    expect(decided.effect).toMatchObject({ kind: 'budget_override', budget: { agentId: 'agent-dev-1', monthlyCents: 4200 } });
    expect((await s.call('ledger_check', { realmId, agentId: 'agent-dev-1' })).limitCents).toBe(4200);
  });

  it('realm_suspend suspends the realm', async () => {
    const decided = await approve((await submit('realm_suspend')).id);
    expect(decided.effect).toMatchObject({ kind: 'realm_suspend', realm: { id: realmId, status: 'suspended' } });
    expect((await s.fail('hierarchy_set', { realmId, agentId: 'x' })).code).toBe('realm_suspended');
  });

  it('strategy_change updates the directive', async () => {
    const d = await s.call('directive_create', { realmId, title: 'Ship v2', level: 'realm' });
    const decided = await approve((await submit('strategy_change', { directiveId: d.id, status: 'paused', priority: 'low' })).id);
    expect(decided.effect).toMatchObject({ kind: 'strategy_change', directive: { id: d.id, status: 'paused', priority: 'low' } });
  });

  it('custom records the decision with a null effect', async () => {
    const decided = await approve((await submit('custom', { anything: { nested: [1, 2] } })).id);
    expect(decided).toMatchObject({ status: 'approved', effect: null, payload: { anything: { nested: [1, 2] } } });
  });

  it('rejection changes nothing but the proposal', async () => {
    const p = await submit('hire_agent', { agentId: 'agent-maybe' });
    const rejected = await s.call('council_decide', { realmId, id: p.id, approved: false, decidedBy: 'agent-ceo' });
    expect(rejected).toMatchObject({ status: 'rejected', effect: null });
    expect((await s.fail('hierarchy_chain', { realmId, agentId: 'agent-maybe' })).code).toBe('not_found');
    expect((await s.fail('council_decide', { realmId, id: p.id, approved: true, decidedBy: 'x' })).details).toMatchObject({ status: 'rejected' });
  });
});

describe('proposal rules', () => {
  it('checks payloads per kind with strict schemas', async () => {
    const unknownKey = await s.fail('council_submit', { realmId, kind: 'terminate_agent', title: 't', requestedBy: 'x', payload: { agentId: 'agent-dev-1', why: 'x' } });
    expect(unknownKey).toMatchObject({ code: 'invalid_input', details: { field: 'payload', accepted: ['agentId'] } });
    expect(unknownKey.message).toContain('"payload.why"');
    const missing = await s.fail('council_submit', { realmId, kind: 'budget_override', title: 't', requestedBy: 'x', payload: {} });
    expect(missing).toMatchObject({ details: { field: 'payload.monthlyCents' } });
    expect((await s.fail('council_submit', { realmId, kind: 'hire_agent', title: 't', requestedBy: 'x', payload: { agentId: 'agent-cto' } })).code).toBe('conflict');
    expect((await s.fail('council_submit', { realmId, kind: 'strategy_change', title: 't', requestedBy: 'x', payload: { directiveId: 'dir-nope' } })).details).toMatchObject({ field: 'payload.directiveId' });
    expect((await s.fail('council_submit', { realmId, kind: 'vote', title: 't', requestedBy: 'x' })).details).toMatchObject({ field: 'kind' });
  });

  it('rolls everything back when the effect fails, leaving the proposal pending', async () => {
    const p = await submit('hire_agent', { agentId: 'agent-late' });
    await s.call('hierarchy_set', { realmId, agentId: 'agent-late' }); // the id is taken before the decision
    const before = (await s.call('council_activity_log', { realmId, limit: 1 })).entries[0].seq;
    const error = await s.fail('council_decide', { realmId, id: p.id, approved: true, decidedBy: 'agent-ceo' });
    expect(error.code).toBe('conflict');
    const [still] = (await s.call('council_proposals', { realmId })).proposals;
    expect(still).toMatchObject({ id: p.id, status: 'pending', version: 1, effect: null });
    expect((await s.call('council_activity_log', { realmId, limit: 1 })).entries[0].seq).toBe(before);
  });

  it('cancels pending proposals about an agent that is removed or terminated', async () => {
    const budget = await submit('budget_override', { agentId: 'agent-dev-3', monthlyCents: 5 });
    const other = await submit('budget_override', { agentId: 'agent-dev-1', monthlyCents: 5 });
    await s.call('hierarchy_remove', { realmId, agentId: 'agent-dev-3' });
    const { proposals } = await s.call('council_proposals', { realmId, status: 'cancelled' });
    expect(proposals.map((p: { id: string }) => p.id)).toEqual([budget.id]);
    expect((await s.call('council_proposals', { realmId, status: 'pending' })).proposals.map((p: { id: string }) => p.id)).toEqual([other.id]);
  });

  it('lists newest first by status and kind, with pages', async () => {
    const a = await submit('custom', {});
    const b = await submit('realm_suspend');
    const c = await submit('custom', {});
    const page = await s.call('council_proposals', { realmId, limit: 2 });
    expect(page.proposals.map((p: { id: string }) => p.id)).toEqual([c.id, b.id]);
    expect((await s.call('council_proposals', { realmId, limit: 2, cursor: page.nextCursor })).proposals[0].id).toBe(a.id);
    expect((await s.call('council_proposals', { realmId, kind: 'custom' })).count).toBe(2);
    expect((await s.fail('council_proposals', { realmId, status: 'open' })).details).toMatchObject({ field: 'status' });
  });
});

describe('overrides', () => {
  const override = (action: string, targetAgentId = 'agent-dev-1', extra = {}) =>
    s.call('council_override', { realmId, operatorId: 'human:ops', action, targetAgentId, reason: 'test', ...extra });

  it('pause blocks checkout and leaves work alone; resume lifts it', async () => {
    const held = await s.call('mission_create', { realmId, title: 'held', createdBy: 'agent-cto' });
    await s.call('mission_checkout', { realmId, id: held.id, agentId: 'agent-dev-1' });
    const paused = await override('pause');
    expect(paused).toMatchObject({ node: { status: 'paused' }, releasedMissions: [], cancelledRuns: [] });
    const next = await s.call('mission_create', { realmId, title: 'next', createdBy: 'agent-cto' });
    expect((await s.fail('mission_checkout', { realmId, id: next.id, agentId: 'agent-dev-1' })).details).toMatchObject({ reason: 'paused' });
    expect((await s.call('mission_list', { realmId, assigneeId: 'agent-dev-1' })).count).toBe(1);
    expect((await s.fail('council_override', { realmId, operatorId: 'o', action: 'pause', targetAgentId: 'agent-dev-1', reason: 'again' })).details).toMatchObject({ from: 'paused', allowed: ['resume', 'terminate'] });
    await override('resume');
    expect((await s.call('mission_checkout', { realmId, id: next.id, agentId: 'agent-dev-1' })).status).toBe('active');
  });

  it('terminate releases missions and is final', async () => {
    const m = await s.call('mission_create', { realmId, title: 'm', createdBy: 'agent-cto' });
    await s.call('mission_checkout', { realmId, id: m.id, agentId: 'agent-dev-1' });
    const result = await override('terminate', 'agent-dev-1', { expectedVersion: 1 });
    expect(result).toMatchObject({ node: { status: 'terminated', version: 2 }, releasedMissions: [m.id] });
    for (const action of ['pause', 'resume', 'terminate']) {
      const error = await s.fail('council_override', { realmId, operatorId: 'o', action, targetAgentId: 'agent-dev-1', reason: 'r' });
      expect(error).toMatchObject({ code: 'invalid_transition', details: { from: 'terminated', allowed: [] } });
    }
    expect((await s.fail('mission_checkout', { realmId, id: m.id, agentId: 'agent-dev-1' })).details).toMatchObject({ reason: 'terminated' });
    const [entry] = (await s.call('council_activity_log', { realmId, action: 'override_terminate' })).entries;
    expect(entry).toMatchObject({ actorKind: 'human', actorId: 'human:ops', entityId: 'agent-dev-1', details: { reason: 'test' } });
  });
});

describe('the audit chain as tools', () => {
  it('appends activity, refusing system action names and bad names', async () => {
    const entry = await s.call('council_activity', { realmId, actorKind: 'agent', actorId: 'agent-dev-1', action: 'deploy.started', entityType: 'service', entityId: 'api', details: { sha: 'abc' } });
    expect(entry).toMatchObject({ action: 'deploy.started', actorKind: 'agent', details: { sha: 'abc' } });
    expect(entry.hash).toMatch(/^[0-9a-f]{64}$/);
    const forged = await s.fail('council_activity', { realmId, actorKind: 'agent', actorId: 'a', action: 'budget_set', entityType: 'x', entityId: 'y' });
    expect(forged).toMatchObject({ code: 'invalid_input', details: { field: 'action' } });
    expect((await s.fail('council_activity', { realmId, actorKind: 'agent', actorId: 'a', action: 'Deploy Started', entityType: 'x', entityId: 'y' })).details).toMatchObject({ field: 'action' });
  });

  it('pages the log newest first with filters', async () => {
    const all = await s.call('council_activity_log', { realmId, limit: 3 });
    expect(all.entries.map((e: { seq: number }) => e.seq)).toEqual([8, 7, 6]);
    expect(all.nextBefore).toBe(6);
    const next = await s.call('council_activity_log', { realmId, limit: 10, before: all.nextBefore });
    expect(next.entries.map((e: { seq: number }) => e.seq)).toEqual([5, 4, 3, 2, 1]);
    expect(next.nextBefore).toBeNull();
    expect((await s.call('council_activity_log', { realmId, entityId: 'agent-cto' })).entries).toHaveLength(1);
    expect((await s.call('council_activity_log', { realmId, actorId: 'admin' })).entries[0]).toMatchObject({ seq: 1, action: 'created' });
  });

  it('verifies the chain and names a tampered entry', async () => {
    expect(await s.call('council_verify', { realmId })).toMatchObject({ valid: true, entryCount: 8, firstInvalidSeq: null, reason: null });
    const tampered = await rawSql(s.app).run("UPDATE audit_entries SET details = replace(details, '\"rank\":8', '\"rank\":9') WHERE realm_id = ? AND seq = 3", realmId);
    expect(tampered.changes).toBe(1);
    const broken = await s.call('council_verify', { realmId });
    expect(broken).toMatchObject({ valid: false, firstInvalidSeq: 3 });
    expect(broken.reason).toContain('hash');
  });
});
