// Every id an input refers to must belong to the same realm (or be a global runtime): another realm's
// records do not exist from here.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { testApp, connect } from '../helpers/connect.js';

let app: App;
let s: Awaited<ReturnType<typeof connect>>;
let a: string;
const b: Record<string, string> = {};
beforeAll(async () => {
  app = await testApp({ db: ':memory:', logger: pino({ level: 'silent' }), scheduler: false });
  s = await connect({ app });
  a = (await s.call('realm_create', { name: 'a', owner: 'o' })).id;
  b.realm = (await s.call('realm_create', { name: 'b', owner: 'o' })).id;
  await s.call('hierarchy_set', { realmId: a, agentId: 'agent-a' });
  await s.call('hierarchy_set', { realmId: b.realm, agentId: 'agent-b' });
  b.runtime = (await s.call('bridge_register', { kind: 'http', name: 'b', url: 'http://127.0.0.1:9/', realmId: b.realm })).id;
  b.mission = (await s.call('mission_create', { realmId: b.realm, title: 'b', createdBy: 'o' })).id;
  b.directive = (await s.call('directive_create', { realmId: b.realm, title: 'b', level: 'realm' })).id;
  b.run = (await s.call('bridge_invoke', { runtimeId: b.runtime, agentId: 'agent-b', context: {} })).id;
});
afterAll(async () => {
  await s.close();
  await app.close();
});

describe('references to another realm', () => {
  it('are not_found naming the field, and nothing is written', async () => {
    const before = (await s.call('council_verify', { realmId: a })).entryCount;
    const refused: [string, () => Record<string, unknown>, string][] = [
      ['hierarchy_set', () => ({ realmId: a, agentId: 'agent-a', runtimeId: b.runtime }), 'runtimeId'],
      ['hierarchy_set', () => ({ realmId: a, agentId: 'agent-x', reportsTo: 'agent-b' }), 'reportsTo'],
      ['pulse_register', () => ({ realmId: a, agentId: 'agent-a', cron: '* * * * *', runtimeId: b.runtime }), 'runtimeId'],
      ['ledger_spend', () => ({ realmId: a, agentId: 'agent-a', costCents: 1, provider: 'p', model: 'm', inputTokens: 0, outputTokens: 0, missionId: b.mission }), 'missionId'],
      ['ledger_spend', () => ({ realmId: a, agentId: 'agent-a', costCents: 1, provider: 'p', model: 'm', inputTokens: 0, outputTokens: 0, runId: b.run }), 'runId'],
      ['mission_create', () => ({ realmId: a, title: 't', createdBy: 'o', directiveId: b.directive }), 'directiveId'],
      ['mission_create', () => ({ realmId: a, title: 't', createdBy: 'o', parentId: b.mission }), 'parentId'],
      ['directive_create', () => ({ realmId: a, title: 't', level: 'team', parentId: b.directive }), 'parentId'],
      ['mission_comment', () => ({ realmId: a, missionId: b.mission, authorId: 'o', body: 'x' }), 'missionId'],
    ];
    for (const [name, args, field] of refused) {
      expect(await s.fail(name, args()), `${name} ${field}`).toMatchObject({ code: 'not_found', details: { field } });
    }
    expect((await s.call('council_verify', { realmId: a })).entryCount).toBe(before);
    expect((await s.call('ledger_summary', { realmId: a })).eventCount).toBe(0);
  });

  it('refuse a runtime of another realm for a run, and a mission of another realm for a run', async () => {
    expect(await s.fail('bridge_invoke', { runtimeId: b.runtime, agentId: 'agent-a', realmId: a, context: {} })).toMatchObject({ code: 'forbidden' });
    const global = (await s.call('bridge_register', { kind: 'http', name: 'g', url: 'http://127.0.0.1:9/' })).id;
    expect(await s.fail('bridge_invoke', { runtimeId: global, agentId: 'agent-a', realmId: a, missionId: b.mission, context: {} })).toMatchObject({ code: 'not_found', details: { field: 'missionId' } });
  });

  it('refuse a hire whose runtime is another realm\'s when it is submitted, storing nothing', async () => {
    const entries = (await s.call('council_verify', { realmId: a })).entryCount;
    const pending = (await s.call('council_proposals', { realmId: a })).count;
    const hire = { realmId: a, kind: 'hire_agent', title: 'hire', requestedBy: 'agent-a', payload: { agentId: 'agent-new', runtimeId: b.runtime } };
    expect(await s.fail('council_submit', hire)).toMatchObject({ code: 'not_found', details: { field: 'payload.runtimeId' } });
    expect((await s.call('council_proposals', { realmId: a })).count).toBe(pending);
    expect((await s.call('council_verify', { realmId: a })).entryCount).toBe(entries);
  });

  it('accept a global runtime, and their own realm\'s', async () => {
    const global = (await s.call('bridge_register', { kind: 'http', name: 'g2', url: 'http://127.0.0.1:9/' })).id;
    expect((await s.call('hierarchy_set', { realmId: a, agentId: 'agent-a', runtimeId: global })).runtimeId).toBe(global);
    const own = (await s.call('bridge_register', { kind: 'http', name: 'own', url: 'http://127.0.0.1:9/', realmId: a })).id;
    expect((await s.call('pulse_register', { realmId: a, agentId: 'agent-a', cron: '0 0 1 1 *', runtimeId: own })).config.runtimeId).toBe(own);
  });
});
