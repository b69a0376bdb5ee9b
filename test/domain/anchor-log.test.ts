import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { testApp, connect } from '../helpers/connect.js';

describe('anchor lines in the log', () => {
  it('are written as the chain passes each 1,000th entry, and verify as anchors', async () => {
    const lines: Record<string, any>[] = [];
    const sink = new Writable({ write: (chunk, _e, done) => void (lines.push(JSON.parse(String(chunk))), done()) });
    const app = await testApp({ db: ':memory:', logger: pino({ level: 'info' }, sink), scheduler: false });
    const s = await connect({ app });
    const realmId = (await s.call('realm_create', { name: 'r', owner: 'o' })).id;
    for (let i = 0; i < 1000; i++) await s.call('council_activity', { realmId, actorKind: 'agent', actorId: 'a', action: 'tick', entityType: 't', entityId: `${i}` });
    const anchors = lines.filter((l) => l.msg === 'audit anchor');
    expect(anchors).toHaveLength(1);
    expect(anchors[0]).toMatchObject({ realmId, anchor: { seq: 1000, hash: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    expect(await s.call('council_verify', { realmId, anchor: anchors[0]!.anchor })).toMatchObject({ valid: true, entryCount: 1001 });
    await s.close();
    await app.close();
  });
});
