import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { connect } from '../helpers/connect.js';
import { testEngine } from '../helpers/engine.js';

/** What each engine's store throws once closed: the cause the log must carry and the answer must not. */
const closedStore = {
  sqlite: 'database connection is not open',
  postgres: 'Cannot use a pool after calling end on the pool',
}[testEngine];

describe('a bug or a broken store', () => {
  it('answers internal with a request id, logs the cause to the log only, and keeps serving', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => void (lines.push(String(chunk)), done()) });
    const s = await connect({ logger: pino({ level: 'error' }, sink) });
    const realm = await s.call('realm_create', { name: 'n', owner: 'o' });
    await s.app.store.close(); // every statement now throws inside the store

    const error = await s.fail('realm_get', { id: realm.id });
    expect(error.code).toBe('internal');
    expect(error.details!.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(error.message).not.toMatch(/at .*\.js/);
    expect(error.message).not.toContain(closedStore);
    // The cause is in the log, under the same request id.
    const logged = lines.map((l) => JSON.parse(l)).find((l) => l.requestId === error.details!.requestId);
    expect(logged.err.message).toContain(closedStore);

    // Validation still answers: the server did not go down.
    expect((await s.fail('realm_get', {})).code).toBe('invalid_input');
    await s.close();
  });
});
