// Who may do what, through real sessions: the in-memory client with each principal (stdio with --role is in
// roles-stdio.test.ts).
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { agentPrincipal, operatorPrincipal } from '../../src/domain/principal.js';
import { catalogue } from '../../src/tools/catalogue.js';
import { toolName } from '../../src/tools/declaration.js';
import { testApp, connect } from '../helpers/connect.js';
import { seedOrg } from '../helpers/org.js';

type Session = Awaited<ReturnType<typeof connect>>;

/** What an agent is served: reading the org, goals, missions and proposals, working, spending, proposing. */
const agentTools = [
  'hierarchy_tree', 'hierarchy_find', 'hierarchy_chain', 'hierarchy_heartbeat', 'directive_get', 'directive_list', 'directive_ancestry',
  'mission_checkout', 'mission_release', 'mission_transition', 'mission_list', 'mission_comment', 'mission_comments',
  'mission_update',
  'ledger_check', 'ledger_spend', 'council_submit', 'council_proposals', 'council_activity', 'bridge_run',
  'mission_claim_next', 'mission_fail', 'mission_queue',
];
const everyTool = catalogue.map((d) => toolName(d.id));

let app: App;
let admin: Session;
let realmId: string;
let otherRealm: string;
let agent: Session;
let operator: Session;
let missionId: string;
beforeAll(async () => {
  app = await testApp({ db: ':memory:', logger: pino({ level: 'silent' }), scheduler: false });
  admin = await connect({ app });
  realmId = (await admin.call('realm_create', { name: 'ours', owner: 'o' })).id;
  otherRealm = (await admin.call('realm_create', { name: 'theirs', owner: 'o' })).id;
  await seedOrg(admin, realmId);
  await seedOrg(admin, otherRealm);
  missionId = (await admin.call('mission_create', { realmId, title: 'm', createdBy: 'o', status: 'queued' })).id;
  agent = await connect({ app, principal: agentPrincipal(realmId, 'agent-dev-1') });
  operator = await connect({ app, principal: operatorPrincipal(realmId) });
});
afterAll(async () => {
  for (const s of [agent, operator, admin]) await s.close();
  await app.close();
});

describe('an agent', () => {
  it('is served exactly the agent tools', () => {
    expect(agent.tools.map((t) => t.name).sort()).toEqual([...agentTools].sort());
  });

  it('is refused every other tool, with the permission named', async () => {
    for (const name of everyTool.filter((t) => !agentTools.includes(t))) {
      const error = await agent.fail(name, { realmId });
      expect(error, name).toMatchObject({ code: 'forbidden', details: { role: 'agent', permission: expect.stringMatching(/^control_plane:[a-z]+:[a-z]+$/) } });
      expect(error.message, name).toContain(error.details!.permission as string);
    }
    expect((await agent.fail('realm_delete', { id: realmId, confirm: 'ours' })).details).toMatchObject({ permission: 'control_plane:realms:delete' });
    // Nothing happened.
    expect((await admin.call('realm_get', { id: realmId })).status).toBe('active');
  });

  it('works as itself, with its realm and id filled in when left out', async () => {
    const taken = await agent.call('mission_checkout', { id: missionId });
    expect(taken).toMatchObject({ status: 'active', assigneeId: 'agent-dev-1' });
    await agent.call('mission_comment', { missionId, body: 'on it' });
    const spend = await agent.call('ledger_spend', { costCents: 1.5, provider: 'p', model: 'm', inputTokens: 1, outputTokens: 1 });
    expect(spend.spend).toMatchObject({ agentId: 'agent-dev-1', realmId });
    const activity = await agent.call('council_activity', { action: 'deploy.started', entityType: 'service', entityId: 'api' });
    expect(activity).toMatchObject({ actorKind: 'agent', actorId: 'agent-dev-1' });
    const proposal = await agent.call('council_submit', { kind: 'custom', title: 'More GPUs' });
    expect(proposal.requestedBy).toBe('agent-dev-1');
    const log = await admin.call('council_activity_log', { realmId, limit: 5 });
    expect(log.entries.filter((e: { actorId: string }) => e.actorId === 'agent-dev-1').every((e: { actorKind: string }) => e.actorKind === 'agent')).toBe(true);
  });

  it('may not name another agent in any acting field', async () => {
    const attempts: [string, Record<string, unknown>, string][] = [
      ['mission_checkout', { realmId, id: missionId, agentId: 'agent-dev-2' }, 'agentId'],
      ['mission_release', { realmId, id: missionId, agentId: 'agent-cto' }, 'agentId'],
      ['mission_transition', { realmId, id: missionId, status: 'review', agentId: 'agent-cto' }, 'agentId'],
      ['mission_comment', { realmId, missionId, authorId: 'agent-ceo', body: 'x' }, 'authorId'],
      ['ledger_spend', { realmId, agentId: 'agent-dev-2', costCents: 1, provider: 'p', model: 'm', inputTokens: 0, outputTokens: 0 }, 'agentId'],
      ['ledger_check', { realmId, agentId: 'agent-cfo' }, 'agentId'],
      ['council_submit', { realmId, kind: 'custom', title: 't', requestedBy: 'agent-ceo' }, 'requestedBy'],
      ['council_activity', { realmId, actorKind: 'agent', actorId: 'agent-ceo', action: 'x', entityType: 't', entityId: 'e' }, 'actorId'],
      ['council_activity', { realmId, actorKind: 'human', actorId: 'agent-dev-1', action: 'x', entityType: 't', entityId: 'e' }, 'actorKind'],
    ];
    for (const [name, args, field] of attempts) {
      expect(await agent.fail(name, args), name).toMatchObject({ code: 'forbidden', details: { field, reason: 'not_yourself' } });
    }
  });

  it('may not reach another realm', async () => {
    const other = await agent.fail('mission_list', { realmId: otherRealm });
    expect(other).toMatchObject({ code: 'forbidden', details: { reason: 'other_realm', requested: otherRealm } });
    expect((await agent.fail('hierarchy_tree', { realmId: otherRealm })).code).toBe('forbidden');
  });

  it('reads only its own runs', async () => {
    const rt = await admin.call('bridge_register', { kind: 'http', name: 'h', url: 'http://127.0.0.1:9/none', realmId });
    const mine = await admin.call('bridge_invoke', { runtimeId: rt.id, agentId: 'agent-dev-1', context: {} });
    const theirs = await admin.call('bridge_invoke', { runtimeId: rt.id, agentId: 'agent-dev-2', context: {} });
    expect((await agent.call('bridge_run', { runId: mine.id })).agentId).toBe('agent-dev-1');
    expect(await agent.fail('bridge_run', { runId: theirs.id })).toMatchObject({ code: 'forbidden', details: { reason: 'not_your_run' } });
  });

  it('sees only its realm\'s org, goals and missions as resources, and its own briefing', async () => {
    const { resourceTemplates } = await agent.client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate).sort()).toEqual(['/directives', '/missions', '/tree'].map((v) => `controlplane://realms/{realmId}${v}`));
    // No realm is listed to it, only the MCP Apps views (HTML, no data: they draw what its tool calls return).
    expect((await agent.client.listResources()).resources.map((r) => r.uri)).toEqual(['ui://control-plane/org-chart.html', 'ui://control-plane/board.html']);
    const tree = await agent.client.readResource({ uri: `controlplane://realms/${realmId}/tree` });
    expect(JSON.parse((tree.contents[0] as { text: string }).text).roots[0].agentId).toBe('agent-ceo');
    await expect(agent.client.readResource({ uri: `controlplane://realms/${otherRealm}/tree` })).rejects.toMatchObject({ code: -32602, data: { code: 'forbidden', reason: 'other_realm' } });
    await expect(agent.client.readResource({ uri: `controlplane://realms/${realmId}/budget` })).rejects.toMatchObject({ code: -32602 });
    const own = await agent.client.getPrompt({ name: 'agent_briefing', arguments: { realmId, agentId: 'agent-dev-1' } });
    expect((own.messages[0]!.content as { text: string }).text).toContain('You are agent-dev-1');
    await expect(agent.client.getPrompt({ name: 'agent_briefing', arguments: { realmId, agentId: 'agent-cfo' } })).rejects.toMatchObject({ code: -32602, data: { code: 'forbidden' } });
  });
});

describe('an operator', () => {
  it('is served everything but making, importing and deleting realms, and registering runtimes', () => {
    expect(operator.tools.map((t) => t.name)).toEqual(everyTool.filter((t) => !['realm_create', 'realm_delete', 'realm_import', 'bridge_register'].includes(t)));
  });

  it('works inside its realm and nowhere else', async () => {
    expect((await operator.call('realm_list')).realms.map((r: { id: string }) => r.id)).toEqual([realmId]);
    expect((await operator.fail('realm_get', { id: otherRealm })).details).toMatchObject({ reason: 'other_realm' });
    expect((await operator.fail('realm_create', { name: 'x', owner: 'o' })).details).toMatchObject({ permission: 'control_plane:realms:create' });
    expect((await operator.fail('hierarchy_set', { realmId: otherRealm, agentId: 'spy' })).code).toBe('forbidden');
    await operator.call('hierarchy_set', { agentId: 'agent-new', reportsTo: 'agent-cto' });
    expect((await admin.call('hierarchy_chain', { realmId, agentId: 'agent-new' })).chain).toHaveLength(3);
  });

  it('registers no runtime (it would run on the server\'s machine), runs those an admin registered, and cannot read another realm\'s runs', async () => {
    const registrations = [
      { kind: 'process', name: 'shell', command: '/bin/sh', args: ['-c', 'cat /etc/passwd'] },
      { kind: 'http', name: 'mine', url: 'http://127.0.0.1:9/x', headers: { Authorization: '${env:HOME}' } },
      { kind: 'claude_code', name: 'cli', permissions: 'full' },
    ];
    for (const registration of registrations) {
      expect(await operator.fail('bridge_register', registration), registration.kind).toMatchObject({ code: 'forbidden', details: { permission: 'control_plane:runtimes:write' } });
    }
    expect((await admin.call('bridge_list', { realmId })).runtimes.map((r: { name: string }) => r.name)).not.toContain('shell');
    const ours = await admin.call('bridge_register', { kind: 'http', name: 'ours', url: 'http://127.0.0.1:9/x', realmId });
    expect(await operator.call('bridge_invoke', { runtimeId: ours.id, agentId: 'agent-dev-1', context: {} })).toMatchObject({ realmId, runtimeId: ours.id });
    const foreign = await admin.call('bridge_register', { kind: 'http', name: 'theirs', url: 'http://127.0.0.1:9/y', realmId: otherRealm });
    const run = await admin.call('bridge_invoke', { runtimeId: foreign.id, agentId: 'agent-dev-1', context: {} });
    expect(await operator.fail('bridge_run', { runId: run.id })).toMatchObject({ code: 'not_found' });
    expect(await operator.fail('realm_export', { id: realmId, file: '/tmp/x.json' })).toMatchObject({ code: 'forbidden', details: { field: 'file' } });
  });

  it('reads no value a runtime holds but references, nor any argument value, in lists and exports (an admin reads what does not look secret)', async () => {
    const secrets = ['pg-hunter2', 'smtp-pw', 'github-pat-value', 'creds-value', 'hunter2-cli', 's3cretpw', 'tok-inline', 'pg-arg', 'env-key', 'json-pw', 'hdr-key', 'url-key', 'url-pw',
      'cs-value', 'at-value', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789AB'];
    const env = { PGPASSWORD: 'pg-hunter2', SMTP_PASS: 'smtp-pw', GITHUB_PAT: 'github-pat-value', CREDS: 'creds-value', LOG_LEVEL: 'debug', HOME_DIR: '${env:HOME}' };
    const args = ['--password', 'hunter2-cli', '--db', 'postgres://app:s3cretpw@db/x', '--token=tok-inline', '--verbose', 'PGPASSWORD=pg-arg', '-e', 'API_KEY=env-key', '{"password":"json-pw"}', '-H', 'X-Api-Key: hdr-key',
      '--ghp_abcdefghijklmnopqrstuvwxyz0123456789AB'];
    const made = [
      await admin.call('bridge_register', { kind: 'process', name: 'global-secrets', command: '/bin/true', args, envVars: env }),
      await admin.call('bridge_register', { kind: 'process', name: 'realm-secrets', command: '/bin/true', args, envVars: env, realmId }),
      await admin.call('bridge_register', { kind: 'http', name: 'url-secrets', url: 'https://bot:url-pw@api.example.com/run?apikey=url-key&client_secret=cs-value&auth_token=at-value&page=2&bare-value#frag' }),
    ];
    const shownTo = async (s: Session) => (await s.call('bridge_list', { realmId })).runtimes.filter((r: { id: string }) => made.some((m) => m.id === r.id));
    const leaks = (value: unknown) => secrets.filter((secret) => JSON.stringify(value).includes(secret));
    const seenByOperator = await shownTo(operator);
    expect(seenByOperator).toHaveLength(3);
    expect(leaks(seenByOperator)).toEqual([]);
    const global = seenByOperator.find((r: { name: string }) => r.name === 'global-secrets');
    expect(global.envVars).toEqual({ PGPASSWORD: '[REDACTED]', SMTP_PASS: '[REDACTED]', GITHUB_PAT: '[REDACTED]', CREDS: '[REDACTED]', LOG_LEVEL: '[REDACTED]', HOME_DIR: '${env:HOME}' });
    expect(global.args).toEqual(['--password', '[REDACTED]', '--db', '[REDACTED]', '--token=[REDACTED]', '--verbose', '[REDACTED]', '-e', '[REDACTED]', '[REDACTED]', '-H', '[REDACTED]', '[REDACTED]']);
    expect(seenByOperator.find((r: { name: string }) => r.name === 'url-secrets').url).toBe('https://[REDACTED]@api.example.com/run?apikey=[REDACTED]&client_secret=[REDACTED]&auth_token=[REDACTED]&page=[REDACTED]&[REDACTED]#[REDACTED]');
    const seenByAdmin = [...made, ...(await shownTo(admin))];
    expect(leaks(seenByAdmin)).toEqual([]);
    expect(seenByAdmin[0].envVars).toMatchObject({ LOG_LEVEL: 'debug', HOME_DIR: '${env:HOME}' });
    expect(seenByAdmin[0].args).toEqual(['--password', '[REDACTED]', '--db', 'postgres://app:[REDACTED]@db/x', '--token=[REDACTED]', '--verbose', 'PGPASSWORD=[REDACTED]', '-e', 'API_KEY=[REDACTED]', '{"password":"[REDACTED]"}', '-H', 'X-Api-Key: [REDACTED]', '--[REDACTED]']);
    expect(seenByAdmin[2].url).toBe('https://bot:[REDACTED]@api.example.com/run?apikey=[REDACTED]&client_secret=[REDACTED]&auth_token=[REDACTED]&page=2&bare-value#frag');
    const exported = await operator.call('realm_export', { id: realmId });
    expect(exported.runtimes.map((r: { name: string }) => r.name)).toContain('realm-secrets');
    expect(leaks(exported)).toEqual([]);
  });

  it('overrides as a person: the audit entry says human', async () => {
    await operator.call('council_override', { operatorId: 'human:ops-alice', action: 'pause', targetAgentId: 'agent-dev-3', reason: 'maintenance' });
    await operator.call('council_override', { operatorId: 'ops-bob', action: 'resume', targetAgentId: 'agent-dev-3', reason: 'done' });
    const log = await admin.call('council_activity_log', { realmId, limit: 2 });
    expect(log.entries.map((e: { actorKind: string; actorId: string }) => [e.actorKind, e.actorId])).toEqual([['human', 'ops-bob'], ['human', 'human:ops-alice']]);
  });
});

describe('governance', () => {
  const submit = (requestedBy: string, payload: Record<string, unknown>, kind = 'budget_override') =>
    admin.call('council_submit', { realmId, kind, title: 'raise', requestedBy, payload });

  it('refuses a proposal decided by whoever asked for it', async () => {
    const p = await agent.call('council_submit', { kind: 'budget_override', title: 'raise me', payload: { agentId: 'agent-dev-1', monthlyCents: 999999 } });
    expect(await admin.fail('council_decide', { realmId, id: p.id, approved: true, decidedBy: 'agent-dev-1' })).toMatchObject({ code: 'forbidden', details: { reason: 'own_proposal' } });
    expect((await admin.call('council_proposals', { realmId, status: 'pending' })).proposals.map((x: { id: string }) => x.id)).toContain(p.id);
  });

  it('lets an agent decide only for someone below it; an admin or operator decides any', async () => {
    const forPeer = await submit('agent-dev-2', { agentId: 'agent-dev-2', monthlyCents: 500 });
    expect(await admin.fail('council_decide', { realmId, id: forPeer.id, approved: true, decidedBy: 'agent-dev-1' })).toMatchObject({
      code: 'forbidden', details: { reason: 'not_above', subject: 'agent-dev-2' },
    });
    const approved = await admin.call('council_decide', { realmId, id: forPeer.id, approved: true, decidedBy: 'agent-cto' });
    expect(approved).toMatchObject({ status: 'approved', decidedBy: 'agent-cto' });
    const other = await submit('agent-dev-3', { agentId: 'agent-dev-3', monthlyCents: 500 });
    expect((await operator.call('council_decide', { id: other.id, approved: false, decidedBy: 'human:ops-alice' })).status).toBe('rejected');
    const last = (await admin.call('council_activity_log', { realmId, limit: 1 })).entries[0];
    expect(last).toMatchObject({ action: 'proposal_rejected', actorKind: 'human', actorId: 'human:ops-alice' });
  });

  it('keeps council_override and council_decide from agents', async () => {
    expect((await agent.fail('council_override', { realmId, operatorId: 'agent-dev-1', action: 'pause', targetAgentId: 'agent-dev-2', reason: 'x' })).details)
      .toMatchObject({ permission: 'control_plane:agents:override' });
    expect((await agent.fail('council_decide', { realmId, id: 'prop-x', approved: true, decidedBy: 'agent-dev-1' })).details)
      .toMatchObject({ permission: 'control_plane:proposals:decide' });
  });
});

describe('standing', () => {
  it('ends with termination: a terminated agent, or one that is no node, writes no comment, proposal or audit entry', async () => {
    await admin.call('hierarchy_set', { realmId, agentId: 'agent-leaving', reportsTo: 'agent-cto' });
    const leaving = await connect({ app, principal: agentPrincipal(realmId, 'agent-leaving') });
    const ghost = await connect({ app, principal: agentPrincipal(realmId, 'agent-ghost') });
    const writes = [
      ['mission_comment', { missionId, body: 'still here' }],
      ['council_submit', { kind: 'custom', title: 'one more thing' }],
      ['council_activity', { action: 'deploy.done', entityType: 'service', entityId: 'api' }],
    ] as const;
    try {
      for (const [tool, args] of writes) await leaving.call(tool, args); // allowed while it stands
      await admin.call('council_override', { realmId, operatorId: 'human:ops', action: 'terminate', targetAgentId: 'agent-leaving', reason: 'gone' });
      const before = (await admin.call('council_activity_log', { realmId, limit: 1 })).entries[0].seq;
      for (const [tool, args] of writes) {
        expect(await leaving.fail(tool, args), tool).toMatchObject({ code: 'forbidden', details: { reason: 'terminated' } });
        expect(await ghost.fail(tool, args), tool).toMatchObject({ code: 'forbidden', details: { reason: 'not_a_node' } });
      }
      expect((await admin.call('council_activity_log', { realmId, limit: 1 })).entries[0].seq).toBe(before);
    } finally {
      await Promise.all([leaving.close(), ghost.close()]);
    }
  });

  it('is never the system\'s for a caller: no id a caller gives is "system", and no entry it writes is of the system kind', async () => {
    const refused = (field: string) => ({ code: 'invalid_input', details: { field } });
    expect(await operator.fail('council_activity', { actorKind: 'system', actorId: 'scheduler', action: 'lease.taken', entityType: 'x', entityId: 'y' })).toMatchObject(refused('actorKind'));
    expect(await operator.fail('council_activity', { actorKind: 'human', actorId: 'system', action: 'lease.taken', entityType: 'x', entityId: 'y' })).toMatchObject(refused('actorId'));
    expect(await operator.fail('council_override', { operatorId: 'system', action: 'pause', targetAgentId: 'agent-dev-3', reason: 'r' })).toMatchObject(refused('operatorId'));
    expect(await admin.fail('mission_create', { realmId, title: 't', createdBy: ' system ' })).toMatchObject(refused('createdBy'));
    expect(await admin.fail('hierarchy_set', { realmId, agentId: 'system' })).toMatchObject(refused('agentId'));
    expect((await admin.call('hierarchy_chain', { realmId, agentId: 'agent-dev-3' })).chain[0].status).toBe('active');
  });

  it('makes no node whose id names a person: its agent\'s acts would be audited as a human\'s', async () => {
    const refused = (field: string) => ({ code: 'invalid_input', details: { field } });
    const nodes = (await operator.call('hierarchy_tree', { realmId })).roots;
    expect(await operator.fail('hierarchy_set', { agentId: 'human:alice', reportsTo: 'agent-cto' })).toMatchObject(refused('agentId'));
    expect(await operator.fail('council_submit', { kind: 'hire_agent', title: 'hire', requestedBy: 'human:o', payload: { agentId: 'human:bob' } })).toMatchObject(refused('payload.agentId'));
    expect((await operator.call('hierarchy_tree', { realmId })).roots).toEqual(nodes);
    // Acting as a person stays possible where a field names who acts (an operator's own name).
    expect(await operator.call('mission_create', { title: 'by a person', createdBy: 'human:alice' })).toMatchObject({ createdBy: 'human:alice' });
  });
});

