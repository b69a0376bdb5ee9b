import { Database } from '../../src/db/sqlite/driver.js';
import { afterAll, describe, expect, it } from 'vitest';
import { databaseBefore } from '../helpers/migrations.js';
import { migrationCount, spawnServer } from '../helpers/processes.js';

// Processes of a new version starting together on a file an older version left, as after an upgrade with
// several desktop windows open. Each migration must be applied once: with drizzle's migrator, a process that
// read the journal while another was migrating applied the pending migrations again once it had the lock.
// A migration that fails when repeated (CREATE TABLE) made it start over and find the work done; one that
// does not was applied again: 0010, which drops and creates indexes, was recorded six times here (a data
// migration like 0004's money rescale would have rescaled six times). So the file starts just before 0010,
// with enough missions that rebuilding the indexes takes a while and the processes overlap.
const PROCESSES = 6;

describe(`${PROCESSES} processes upgrading one database at once`, () => {
  const old = databaseBefore('0010');
  old.exec(`INSERT INTO realms (id, name, status, owner, version, created_at, updated_at) VALUES ('realm-old', 'old', 'active', 'o', 1, '2026-01-01', '2026-01-01');
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)
    INSERT INTO missions (id, realm_id, title, status, priority, assignee_id, created_by, required_capabilities, lease_expires_at, version, created_at, updated_at)
    SELECT 'msn-' || i, 'realm-old', 'm', 'active', i % 4, 'agent-' || (i % 7), 'o', '[]', CASE WHEN i % 2 THEN '2027-01-01' END, 1, '2026-01-01', '2026-01-01' FROM n;`);
  const file = old.name;
  old.close();
  let servers: Awaited<ReturnType<typeof spawnServer>>[] = [];
  afterAll(async () => void (await Promise.all(servers.map((s) => s.close()))));

  it('all start, and every migration is applied once', async () => {
    const started = await Promise.allSettled(Array.from({ length: PROCESSES }, () => spawnServer(file)));
    servers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    expect(started.filter((s) => s.status === 'rejected').map((s) => String((s as PromiseRejectedResult).reason))).toEqual([]);
    const raw = new Database(file, { readonly: true });
    expect((raw.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number }).n).toBe(migrationCount);
    const partial = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name IN ('missions_realm_assignee', 'missions_lease') AND sql LIKE '%WHERE%' ORDER BY name").all();
    raw.close();
    expect(partial).toEqual([{ name: 'missions_lease' }, { name: 'missions_realm_assignee' }]);
    // And they serve.
    const realm = await servers[PROCESSES - 1]!.call('realm_create', { name: 'after the upgrade', owner: 'o' });
    expect((await servers[0]!.call('realm_get', { id: realm.id })).name).toBe('after the upgrade');
  }, 60_000);
});
