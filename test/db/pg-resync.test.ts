// After an instance's LISTEN connection to PostgreSQL is lost and comes back, it may have missed other instances'
// changes: every resource view its sessions watch is refreshed, in both protocol eras (src/app-core.ts reads the
// realms, src/resources/declarations.ts names their views).
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { openPostgres } from '../../src/db/pg/open.js';
import type { PgStore } from '../../src/db/pg/store.js';
import { connect } from '../helpers/connect.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

let server: TestPostgres;
beforeAll(async () => void (server = await startPostgres()), 60_000);
afterAll(async () => server?.stop());

const waitFor = async (what: string, check: () => boolean, ms = 15_000) => {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe.each(['legacy', 'modern'] as const)('a reconnected change feed (%s era)', (era) => {
  it('refreshes the views a session watches, in every realm', async () => {
    const url = await server.createDatabase();
    const app = createApp({ db: ':memory:', openStore: await openPostgres(url), logger: pino({ level: 'silent' }) });
    const s = await connect({ app, era });
    const realms = [(await s.call('realm_create', { name: 'one', owner: 'o' })).id, (await s.call('realm_create', { name: 'two', owner: 'o' })).id];
    const watched = realms.map((id) => `controlplane://realms/${id}/tree`);
    await new Promise((r) => setTimeout(r, 400)); // the set-up's own notifications go out first
    const seen: string[] = [];
    s.client.setNotificationHandler('notifications/resources/updated', (n) => void seen.push(n.params.uri));
    for (const uri of watched) await s.subscribe(uri);
    const store = app.store as unknown as PgStore;
    await waitFor('the LISTEN connection', () => store.feedBackendPid !== null);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query('SELECT pg_terminate_backend($1)', [store.feedBackendPid]);
    } finally {
      await admin.end();
    }
    await waitFor('both realms refreshed', () => watched.every((uri) => seen.includes(uri)));
    // Only what the session watches: another realm's views are not sent to a legacy subscriber.
    expect(seen.every((uri) => watched.includes(uri))).toBe(true);
    await s.close();
    await app.close();
  }, 60_000);
});
