// Who hears what on /api/events, and what a `change` event carries: the rules as functions (the process tests
// in server.test.ts cover the wiring).
import { describe, expect, it } from 'vitest';
import { changeOf, mayHear } from '../../src/dashboard/events.js';
import { agentPrincipal, localAdmin, operatorPrincipal } from '../../src/domain/principal.js';
import type { BusMessage } from '../../src/events/bus.js';

const message = (topic: string, realmId: string | null, payload: Record<string, unknown> = {}): BusMessage => ({ topic, realmId, payload, origin: 'local' });
const operator = operatorPrincipal('realm-a');
const agent = agentPrincipal('realm-a', 'agent-dev');

describe('mayHear', () => {
  it("keeps realm-less messages (an admin's run on a global runtime) from principals of one realm", () => {
    const output = message('bridge.run.output', null, { runId: 'r', agentId: 'agent-lead', text: 'secret\n' });
    expect(mayHear(operator, 'realm-a', output)).toBe(false);
    expect(mayHear(localAdmin, null, output)).toBe(true);
    // An admin following one realm still hears realm-less messages, as before.
    expect(mayHear(localAdmin, 'realm-a', output)).toBe(true);
    expect(mayHear(operator, 'realm-a', message('bridge.run.output', 'realm-a', { agentId: 'agent-lead' }))).toBe(true);
    expect(mayHear(localAdmin, 'realm-a', message('mission.lifecycle', 'realm-b'))).toBe(false);
  });

  it('tells everyone to read again after store.resync', () => {
    for (const principal of [localAdmin, operator, agent]) expect(mayHear(principal, principal.realmId ?? null, message('store.resync', null, { reason: 'reconnected' }))).toBe(true);
  });

  it("keeps another agent's budget alert from an agent; its own and the realm's reach it", () => {
    expect(mayHear(agent, 'realm-a', message('ledger.alert', 'realm-a', { agentId: 'agent-lead', level: 'warning' }))).toBe(false);
    expect(mayHear(agent, 'realm-a', message('ledger.alert', 'realm-a', { agentId: 'agent-dev', level: 'warning' }))).toBe(true);
    expect(mayHear(agent, 'realm-a', message('ledger.alert', 'realm-a', { agentId: null, level: 'warning' }))).toBe(true);
    expect(mayHear(agent, 'realm-a', message('ledger.alert', 'realm-a', { level: 'warning' }))).toBe(true);
    expect(mayHear(operator, 'realm-a', message('ledger.alert', 'realm-a', { agentId: 'agent-lead', level: 'warning' }))).toBe(true);
  });
});

describe('changeOf', () => {
  it("says why to read again after store.resync, without naming every realm", () => {
    expect(changeOf({ ...message('store.resync', null, { reason: 'reconnected', realmIds: ['realm-a', 'realm-b'] }), origin: 'remote' })).toEqual({ topic: 'store.resync', realmId: null, payload: { reason: 'reconnected' } });
  });

  it('passes other messages on with their realm and origin', () => {
    expect(changeOf(message('mission.lifecycle', 'realm-a', { missionId: 'm' }))).toEqual({ topic: 'mission.lifecycle', realmId: 'realm-a', payload: { missionId: 'm' }, origin: 'local' });
  });
});
