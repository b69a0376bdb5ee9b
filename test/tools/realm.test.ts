import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect } from '../helpers/connect.js';
import { rawSql } from '../helpers/raw-sql.js';
import { newRealm, seedOrg } from '../helpers/org.js';

let s: Awaited<ReturnType<typeof connect>>;
beforeEach(async () => void (s = await connect()));
afterEach(() => s.close());

describe('realm lifecycle', () => {
  it('creates, reads and lists newest first with pages', async () => {
    const a = await newRealm(s, { name: 'a' });
    const b = await newRealm(s, { name: 'b', metadata: { region: 'eu' } });
    expect(await s.call('realm_get', { id: a.id })).toEqual(a);
    expect(b).toMatchObject({ metadata: { region: 'eu' }, description: null, defaultModel: null, maxAgents: null });
    const page = await s.call('realm_list', { limit: 1 });
    expect(page.realms.map((r: { id: string }) => r.id)).toEqual([b.id]);
    const rest = await s.call('realm_list', { limit: 1, cursor: page.nextCursor });
    expect(rest).toMatchObject({ count: 1, nextCursor: null });
    expect(rest.realms[0].id).toBe(a.id);
    expect((await s.fail('realm_get', { id: 'realm-nope' })).code).toBe('not_found');
  });

  it('patches, clears with null, and compares versions', async () => {
    const r = await newRealm(s, { description: 'd', maxAgents: 5 });
    const updated = await s.call('realm_update', { id: r.id, name: 'renamed', description: null, expectedVersion: 1 });
    expect(updated).toMatchObject({ name: 'renamed', description: null, maxAgents: 5, version: 2 });
    expect((await s.fail('realm_update', { id: r.id, name: 'x', expectedVersion: 1 })).details).toMatchObject({ currentVersion: 2 });
  });

  it('freezes a suspended realm until it is reactivated; archived is final', async () => {
    const r = await newRealm(s);
    await seedOrg(s, r.id);
    await s.call('realm_update', { id: r.id, status: 'suspended' });
    const refused = await s.fail('hierarchy_set', { realmId: r.id, agentId: 'agent-new' });
    expect(refused).toMatchObject({ code: 'realm_suspended', details: { status: 'suspended' } });
    expect((await s.fail('realm_update', { id: r.id, name: 'x' })).code).toBe('realm_suspended');
    // Reads still work.
    expect((await s.call('hierarchy_tree', { realmId: r.id })).roots).toHaveLength(1);
    await s.call('realm_update', { id: r.id, status: 'active' });
    await s.call('hierarchy_set', { realmId: r.id, agentId: 'agent-new' });
    await s.call('realm_update', { id: r.id, status: 'archived' });
    const archived = await s.fail('realm_update', { id: r.id, status: 'active' });
    expect(archived).toMatchObject({ code: 'realm_suspended', details: { status: 'archived' } });
    expect((await s.fail('mission_create', { realmId: r.id, title: 't', createdBy: 'a' })).code).toBe('realm_suspended');
  });

  it('deletes everything only with the exact name', async () => {
    const r = await newRealm(s, { name: 'doomed' });
    const other = await newRealm(s, { name: 'kept' });
    await seedOrg(s, r.id);
    await seedOrg(s, other.id);
    const m = await s.call('mission_create', { realmId: r.id, title: 't', createdBy: 'a' });
    await s.call('mission_comment', { realmId: r.id, missionId: m.id, authorId: 'a', body: 'b' });
    const wrong = await s.fail('realm_delete', { id: r.id, confirm: 'Doomed' });
    expect(wrong).toMatchObject({ code: 'invalid_input', details: { field: 'confirm' } });
    const deleted = await s.call('realm_delete', { id: r.id, confirm: '  doomed ' });
    expect(deleted).toMatchObject({ id: r.id, name: 'doomed', deleted: true });
    expect(deleted.counts).toMatchObject({ realms: 1, nodes: 7, missions: 1, comments: 1, audit_entries: 10, audit_heads: 1 });
    expect((await s.fail('realm_get', { id: r.id })).code).toBe('not_found');
    expect((await s.call('hierarchy_tree', { realmId: other.id })).roots).toHaveLength(1);
  });
});

describe('realm export and import', () => {
  async function populated() {
    const r = await newRealm(s, { metadata: { apiKey: 'sk-live-1', nested: { db_password: 'hunter2', inputTokens: 5 }, note: null, authToken: 'abc' } });
    await seedOrg(s, r.id);
    const goal = await s.call('directive_create', { realmId: r.id, title: 'Ship', level: 'realm' });
    const sub = await s.call('directive_create', { realmId: r.id, title: 'Auth', level: 'team', parentId: goal.id, ownerAgentId: 'agent-cto' });
    const m = await s.call('mission_create', { realmId: r.id, title: 'Login', createdBy: 'agent-cto', directiveId: sub.id, status: 'queued' });
    await s.call('mission_checkout', { realmId: r.id, id: m.id, agentId: 'agent-dev-1' });
    await s.call('mission_comment', { realmId: r.id, missionId: m.id, authorId: 'agent-dev-1', body: 'on it' });
    return { r, goal, sub, m };
  }

  it('exports a scrubbed document with the chain', async () => {
    const { r } = await populated();
    const doc = await s.call('realm_export', { id: r.id });
    expect(doc).toMatchObject({ format: 'control-plane-mcp/realm', version: 1, scrubbed: true, redactedCount: 3 });
    expect(doc.realm.metadata).toEqual({ apiKey: '[REDACTED]', nested: { db_password: '[REDACTED]', inputTokens: 5 }, note: null, authToken: '[REDACTED]' });
    expect(doc.nodes).toHaveLength(7);
    expect(doc.directives).toHaveLength(2);
    expect(doc.missions).toHaveLength(1);
    expect(doc.comments).toHaveLength(1);
    expect(doc.budgets).toEqual([]);
    expect(doc.source.auditEntryCount).toBe(doc.audit.length);
    expect(doc.source.auditHeadHash).toBe(doc.audit.at(-1).hash);
    expect(doc.audit.map((e: { seq: number }) => e.seq)).toEqual(doc.audit.map((_: unknown, i: number) => i + 1));
    const raw = await s.call('realm_export', { id: r.id, scrubSecrets: false, includeAudit: false });
    expect(raw.realm.metadata.apiKey).toBe('sk-live-1');
    expect(raw).toMatchObject({ scrubbed: false, redactedCount: 0, audit: [] });
  });

  it('imports as a new realm with remapped ids, kept agent ids, an archived chain and a fresh one', async () => {
    const { r, goal, sub, m } = await populated();
    const doc = await s.call('realm_export', { id: r.id });
    const dry = await s.call('realm_import', { data: doc, dryRun: true });
    expect(dry).toMatchObject({ realm: null, dryRun: true, sourceRealmId: r.id, counts: { nodes: 7, directives: 2, missions: 1, comments: 1 } });
    expect((await s.call('realm_list')).count).toBe(1);

    const result = await s.call('realm_import', { data: doc, newName: 'copy', newOwner: 'ops' });
    expect(result).toMatchObject({ dryRun: false, sourceRealmId: r.id, sourceHeadHash: doc.source.auditHeadHash, warnings: [] });
    const copy = result.realm;
    expect(copy).toMatchObject({ name: 'copy', owner: 'ops', status: 'active', version: 1 });
    expect(copy.id).not.toBe(r.id);

    const { directives } = await s.call('directive_list', { realmId: copy.id });
    const ids = directives.map((d: { id: string }) => d.id);
    expect(ids).not.toContain(goal.id);
    const newSub = directives.find((d: { title: string }) => d.title === 'Auth');
    expect(newSub.parentId).toBe(directives.find((d: { title: string }) => d.title === 'Ship').id);
    expect(newSub.ownerAgentId).toBe('agent-cto');
    const [mission] = (await s.call('mission_list', { realmId: copy.id })).missions;
    expect(mission.id).not.toBe(m.id);
    expect(mission).toMatchObject({ directiveId: newSub.id, assigneeId: 'agent-dev-1', status: 'active', realmId: copy.id });
    expect(mission.id).not.toBe(sub.id);
    const { comments } = await s.call('mission_comments', { realmId: copy.id, missionId: mission.id });
    expect(comments[0].body).toBe('on it');
    expect((await s.call('hierarchy_chain', { realmId: copy.id, agentId: 'agent-dev-1' })).chain).toHaveLength(3);

    // The new chain starts with realm_imported; the copy's export shows it as seq 1.
    const copied = await s.call('realm_export', { id: copy.id });
    expect(copied.audit).toHaveLength(1);
    expect(copied.audit[0]).toMatchObject({
      seq: 1,
      action: 'realm_imported',
      details: { sourceRealmId: r.id, sourceHeadHash: doc.source.auditHeadHash, sourceEntryCount: doc.audit.length },
    });
    const archived = (await rawSql(s.app).get<{ n: number }>('SELECT count(*) AS n, min(hash) AS h FROM audit_archive WHERE realm_id = ?', copy.id))!;
    expect(archived.n).toBe(doc.audit.length);
  });

  it('refuses a document that is not exactly an export, writing nothing', async () => {
    const { r } = await populated();
    const doc = await s.call('realm_export', { id: r.id });
    const extra = await s.fail('realm_import', { data: { ...doc, surprise: 1 } });
    expect(extra).toMatchObject({ code: 'invalid_input', details: { field: 'data' } });
    expect(extra.message).toContain('"data.surprise"');
    const version = await s.fail('realm_import', { data: { ...doc, version: 2 } });
    expect(version.details).toMatchObject({ field: 'data.version' });
    const nested = await s.fail('realm_import', { data: { ...doc, nodes: [{ ...doc.nodes[0], hat: 'red' }] } });
    expect(nested.message).toContain('"data.nodes[0].hat"');
    expect((await s.call('realm_list')).count).toBe(1);
  });

  it('refuses records of another realm, a global runtime and an id no agent may have, writing nothing anywhere', async () => {
    const { r } = await populated();
    const other = await newRealm(s, { name: 'other' });
    await s.call('hierarchy_set', { realmId: other.id, agentId: 'agent-b' });
    await s.call('bridge_register', { kind: 'process', name: 'sh', command: '/bin/sh', args: ['-c', 'id'], realmId: r.id });
    const doc = await s.call('realm_export', { id: r.id });
    const runtime = { ...doc.runtimes[0], realmId: null };
    const budget = { id: 'bud-planted', realmId: other.id, agentId: null, monthlyCents: 0, softThreshold: 0.8, hardLimit: true, billingCode: null, version: 1, updatedAt: doc.exportedAt };
    const forged: [string, object, string][] = [
      ['a node in another realm', { ...doc, nodes: [...doc.nodes, { ...doc.nodes[0], agentId: 'planted', reportsTo: null, realmId: other.id }] }, `data.nodes[${doc.nodes.length}].realmId`],
      ['a budget of another realm', { ...doc, budgets: [budget] }, 'data.budgets[0].realmId'],
      ['a runtime made global', { ...doc, runtimes: [runtime] }, 'data.runtimes[0].realmId'],
    ];
    const before = { realms: (await s.call('realm_list')).count, tree: await s.call('hierarchy_tree', { realmId: other.id }), runtimes: (await s.call('bridge_list', {})).runtimes.length };
    for (const [what, data, field] of forged) {
      expect(await s.fail('realm_import', { data }), what).toMatchObject({ code: 'invalid_input', details: { field } });
    }
    const system = await s.fail('realm_import', { data: { ...doc, nodes: [{ ...doc.nodes[0], agentId: 'system' }] } });
    expect(system).toMatchObject({ code: 'invalid_input' });
    expect(system.message).toContain('data.nodes[0].agentId');
    expect((await s.call('realm_list')).count).toBe(before.realms);
    expect(await s.call('hierarchy_tree', { realmId: other.id })).toEqual(before.tree);
    expect((await s.call('ledger_check', { realmId: other.id, agentId: 'agent-b' })).allowed).toBe(true);
    expect((await s.call('bridge_list', {})).runtimes).toHaveLength(before.runtimes);
  });

  it('refuses a pending proposal whose payload council_submit would refuse; approval checks a stored one again', async () => {
    const { r } = await populated();
    await s.call('council_submit', { realmId: r.id, kind: 'custom', title: 'later', requestedBy: 'agent-cto' });
    const doc = await s.call('realm_export', { id: r.id });
    const at = doc.proposals.findIndex((p: { status: string }) => p.status === 'pending');
    const hire = { ...doc.proposals[at], kind: 'hire_agent', payload: { agentId: 'human:alice', reportsTo: 'agent-cto' } };
    const refused = await s.fail('realm_import', { data: { ...doc, proposals: doc.proposals.map((p: object, i: number) => (i === at ? hire : p)) } });
    expect(refused).toMatchObject({ code: 'invalid_input', details: { field: `data.proposals[${at}].payload.agentId` } });
    expect((await s.call('realm_list')).count).toBe(1);
    // A payload that passes is stored as council_submit would store it (trimmed): the hire makes agent-b.
    const untrimmed = { ...doc.proposals[at], kind: 'hire_agent', payload: { agentId: ' agent-b ', title: '  Builder  ' } };
    const { realm } = await s.call('realm_import', { data: { ...doc, proposals: doc.proposals.map((p: object, i: number) => (i === at ? untrimmed : p)) } });
    const imported = (await s.call('council_proposals', { realmId: realm.id, status: 'pending' })).proposals.find((p: { kind: string }) => p.kind === 'hire_agent');
    expect(imported.payload).toEqual({ agentId: 'agent-b', title: 'Builder' });
    expect((await s.call('council_decide', { realmId: realm.id, id: imported.id, approved: true, decidedBy: 'human:boss' })).effect.node.agentId).toBe('agent-b');
    // A payload changed where it is stored: the approval's own check refuses the node.
    const p = await s.call('council_submit', { realmId: r.id, kind: 'hire_agent', title: 'hire', requestedBy: 'agent-cto', payload: { agentId: 'agent-new' } });
    await rawSql(s.app).run(`UPDATE proposals SET payload = ? WHERE id = ?`, JSON.stringify({ agentId: 'human:alice' }), p.id);
    expect(await s.fail('council_decide', { realmId: r.id, id: p.id, approved: true, decidedBy: 'human:boss' })).toMatchObject({ code: 'invalid_input', details: { field: 'agentId' } });
    expect((await s.call('council_proposals', { realmId: r.id, status: 'pending' })).proposals.map((x: { id: string }) => x.id)).toContain(p.id);
  });

  it('(the store) loads a record into the realm it is given, whatever realm the record names', async () => {
    const here = await newRealm(s, { name: 'here' });
    const there = await newRealm(s, { name: 'there' });
    const budget = { id: 'bud-elsewhere', realmId: there.id, agentId: null, monthlyCents: 0, softThreshold: 0.8, hardLimit: true, billingCode: null, version: 1, updatedAt: '2026-01-01T00:00:00.000Z' };
    await s.app.store.write(function* (tx) {
      yield* tx.realmData.load(here.id, 'budgets', [budget]);
    });
    const budgets = (realmId: string) => s.app.store.read((tx) => tx.realmData.dump(realmId, 'budgets'));
    expect(await budgets(there.id)).toEqual([]);
    expect(await budgets(here.id)).toMatchObject([{ id: 'bud-elsewhere', realmId: here.id }]);
  });

  it('says which runtimes an import registers, each for the new realm only', async () => {
    const { r } = await populated();
    await s.call('bridge_register', { kind: 'process', name: 'worker', command: process.execPath, args: ['-e', '0'], realmId: r.id });
    await s.call('bridge_register', { kind: 'http', name: 'hook', url: 'http://127.0.0.1:9/run', realmId: r.id });
    const doc = await s.call('realm_export', { id: r.id });
    const { realm, warnings } = await s.call('realm_import', { data: doc, dryRun: false });
    expect(warnings).toEqual([
      `runtime worker (process) is registered for the new realm: it runs ${process.execPath} on this server as its user when invoked`,
      'runtime hook (http) is registered for the new realm: it calls http://127.0.0.1:9/run when invoked',
    ]);
    const copies = (await s.call('bridge_list', { realmId: realm.id })).runtimes.filter((rt: { realmId: string }) => rt.realmId === realm.id);
    expect(copies.map((rt: { name: string }) => rt.name).sort()).toEqual(['hook', 'worker']);
    // An admin's scrubbed export hides what looks secret only: the worker still runs what it ran.
    expect(copies.find((rt: { name: string }) => rt.name === 'worker').args).toEqual(['-e', '0']);
  });
});
