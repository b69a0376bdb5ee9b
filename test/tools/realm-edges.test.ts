import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadPrices, priceCents } from '../../src/bridge/prices.js';
import { testApp, connect } from '../helpers/connect.js';
import { alive, fakeCommand, hangPids, hanging, stateDir } from '../helpers/fakes.js';
import { newRealm, seedOrg } from '../helpers/org.js';

let app: App;
let s: Awaited<ReturnType<typeof connect>>;
let realmId: string;
let state: string;
beforeEach(async () => {
  app = await testApp({ db: ':memory:', logger: pino({ level: 'silent' }), scheduler: false, graceMs: 200 });
  s = await connect({ app });
  realmId = (await newRealm(s, { name: 'doomed' })).id;
  await seedOrg(s, realmId);
  state = stateDir();
});
afterEach(async () => {
  await s.client.close();
  await app.close();
});

describe('realms with runtimes, runs and pulses', () => {
  it('realm_delete stops the realm\'s running runs first, then deletes everything', async () => {
    const rt = await s.call('bridge_register', { kind: 'process', name: 'p', command: fakeCommand.process, realmId, envVars: { FAKE_STATE: state, FAKE_SCENARIO: 'hang' } });
    await s.call('pulse_register', { realmId, agentId: 'agent-dev-1', cron: '* * * * *', runtimeId: rt.id });
    const run = await s.call('bridge_invoke', { runtimeId: rt.id, agentId: 'agent-dev-1', context: {} });
    await hanging(state);
    const deleted = await s.call('realm_delete', { id: realmId, confirm: 'doomed' });
    expect(deleted.counts).toMatchObject({ runtimes: 1, pulse_configs: 1, bridge_runs: 1 });
    const { parent, grandchild } = hangPids(state);
    expect(alive(parent) || alive(grandchild)).toBe(false);
    expect((await s.fail('bridge_run', { runId: run.id })).code).toBe('not_found');
  });

  it('export and import carry runtimes and pulses (imported disabled), keeping global runtimes that exist here', async () => {
    const own = await s.call('bridge_register', { kind: 'codex', name: 'own', realmId, envVars: { OPENAI_API_KEY: 'sk-secret' } });
    const global = await s.call('bridge_register', { kind: 'claude_code', name: 'shared' });
    await s.call('hierarchy_set', { realmId, agentId: 'agent-dev-1', runtimeId: global.id });
    await s.call('hierarchy_set', { realmId, agentId: 'agent-dev-2', runtimeId: own.id });
    await s.call('pulse_register', { realmId, agentId: 'agent-dev-2', cron: '*/10 * * * *', runtimeId: own.id });
    const doc = await s.call('realm_export', { id: realmId });
    expect(doc.runtimes).toHaveLength(1);
    expect(doc.runtimes[0].envVars.OPENAI_API_KEY).toBe('[REDACTED]');
    expect(doc.pulses).toHaveLength(1);

    // A document naming a global runtime this server lacks.
    const foreign = structuredClone(doc);
    foreign.nodes.find((n: { agentId: string }) => n.agentId === 'agent-cto').runtimeId = 'rt-00000000-0000-4000-8000-000000000000';
    const result = await s.call('realm_import', { data: foreign, newName: 'copy' });
    const copyId = result.realm.id;
    expect(result.warnings).toEqual([
      'runtime own (codex) is registered for the new realm: it runs codex on this server as its user when invoked; envVars.OPENAI_API_KEY holds [REDACTED] (scrubbed from the export): register it again with the values, or with ${env:NAME} references',
      'agent agent-cto: runtime rt-00000000-0000-4000-8000-000000000000 does not exist here; runtimeId cleared',
    ]);
    expect(result.counts).toMatchObject({ runtimes: 1, pulses: 1 });
    const chain = async (agentId: string) => (await s.call('hierarchy_chain', { realmId: copyId, agentId })).chain[0];
    expect((await chain('agent-dev-1')).runtimeId).toBe(global.id);
    const copiedRuntime = (await chain('agent-dev-2')).runtimeId;
    expect(copiedRuntime).toMatch(/^rt-/);
    expect(copiedRuntime).not.toBe(own.id);
    expect((await chain('agent-cto')).runtimeId).toBeNull();
    const pulse = await s.call('pulse_status', { realmId: copyId, agentId: 'agent-dev-2' });
    expect(pulse.config).toMatchObject({ enabled: false, runtimeId: copiedRuntime, cron: '*/10 * * * *' });
  });
});

describe('the price table', () => {
  it('prices tokens by the longest model prefix, and takes overrides from a file', () => {
    const usage = { inputTokens: 1_000_000, outputTokens: 100_000, cachedInputTokens: 0 };
    expect(priceCents(loadPrices(undefined), 'claude-sonnet-4-5-20250929', usage)).toBeCloseTo(450, 6);
    expect(priceCents(loadPrices(undefined), 'anthropic/claude-haiku-4-5', usage)).toBeCloseTo(150, 6);
    expect(priceCents(loadPrices(undefined), 'llama-local', usage)).toBeNull();
    const file = join(stateDir(), 'prices.json');
    writeFileSync(file, JSON.stringify({ 'llama-local': { input: 0.1, output: 0.2 } }));
    expect(priceCents(loadPrices(file), 'llama-local-70b', usage)).toBeCloseTo(12, 6);
  });
});

describe('deeply nested free-form objects', () => {
  const nested = (levels: number): unknown => (levels === 0 ? 0 : [nested(levels - 1)]);

  it('nest at most 32 levels, so that every realm exported imports back', async () => {
    expect(await s.fail('realm_create', { name: 'too deep', owner: 'o', metadata: { deep: nested(32) } })).toMatchObject({
      code: 'invalid_input',
      message: 'metadata: must not nest more than 32 levels deep',
      details: { field: 'metadata' },
    });
    const deep = await s.call('realm_create', { name: 'deep', owner: 'o', metadata: { deep: nested(31) } });
    await s.call('council_activity', { realmId: deep.id, actorKind: 'agent', actorId: 'a', action: 'noted', entityType: 't', entityId: 'e', details: { deep: nested(31) } });
    const document = await s.call('realm_export', { id: deep.id });
    const copy = await s.call('realm_import', { data: document, newName: 'deep copy' });
    expect((await s.call('realm_get', { id: copy.realm.id })).metadata).toEqual({ deep: nested(31) });
  });
});
