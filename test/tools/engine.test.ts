// The tool tests run once per engine (vitest.config.ts): this one fails if a project's servers were not on the
// engine it names, so the PostgreSQL half can never quietly run on SQLite.
import { describe, expect, it } from 'vitest';
import { connect } from '../helpers/connect.js';

describe('the engine under test', () => {
  it("is the project's own", async ({ task }) => {
    const s = await connect();
    const expected = { sqlite: 'SqliteStore', postgres: 'PgStore' }[task.file.projectName ?? 'sqlite'];
    expect(s.app.store.constructor.name).toBe(expected);
    expect((await s.call('realm_create', { name: 'r', owner: 'o' })).name).toBe('r');
    await s.close();
  });
});
