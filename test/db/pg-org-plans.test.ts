// How PostgreSQL runs the org's statements on a realistic database (realms of 200 nodes, one of 20,000, and
// 10,000 running bridge runs in other realms), after ANALYZE: every node is reached by key, every running-run
// probe is per node. Left to the planner, the probe became a hashed read of every running run of every realm
// and a subtree's nodes a hash of the realm's whole org; this holds the statements to the shapes that avoid it.
import { PgDialect } from 'drizzle-orm/pg-core';
import type { SQL } from 'drizzle-orm';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratePostgres } from '../../src/db/pg/migrate.js';
import { createPool } from '../../src/db/pg/pool.js';
import { orgSql } from '../../src/db/pg/repos/nodes.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

let server: TestPostgres;
let pool: pg.Pool;
beforeAll(async () => {
  server = await startPostgres();
  const url = await server.createDatabase();
  await migratePostgres(url);
  pool = createPool(url);
  // Trees of fan-out 5: agent aN reports to a((N-1)/5).
  const org = (realm: string, size: number, realms = 1) => `INSERT INTO nodes (realm_id, agent_id, reports_to, title, capabilities, rank, status, version, created_at, updated_at)
    SELECT ${realm}, 'a' || i, CASE WHEN i = 0 THEN NULL ELSE 'a' || ((i - 1) / 5) END, NULL, ('["c' || (i % 7) || '"]')::json, 10 - (i % 10), 'active', 1, 't', 't'
    FROM generate_series(0, ${realms - 1}) r, generate_series(0, ${size - 1}) i`;
  await pool.query(org(`'realm-' || r`, 200, 30));
  await pool.query(org(`'realm-big'`, 20_000));
  await pool.query('INSERT INTO node_capabilities SELECT realm_id, c, agent_id FROM nodes, json_array_elements_text(capabilities) c');
  await pool.query(`INSERT INTO bridge_runs (id, runtime_id, realm_id, agent_id, status, output_truncated, stderr_truncated, owner_instance_id, cancel_requested, started_at)
    SELECT 'run-' || g, 'rt', 'realm-' || (g % 30), 'a' || (g % 200), CASE WHEN g % 4 = 0 THEN 'running' ELSE 'completed' END, false, false, 'i', false, 't'
    FROM generate_series(1, 40000) g`);
  await pool.query('ANALYZE');
}, 60_000);
afterAll(async () => {
  await pool?.end();
  await server?.stop();
});

const dialect = new PgDialect();
async function plan(query: SQL): Promise<string> {
  const { sql, params } = dialect.sqlToQuery(query);
  const { rows } = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params);
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

const statements: [string, SQL][] = [
  ['chain', orgSql.chain('realm-3', 'a199')],
  ['reports', orgSql.reports('realm-3', 'a1')],
  ['find', orgSql.find('realm-3', 'c3')],
  ['find under', orgSql.findUnder('realm-3', 'c3', 'a2')],
  ['find under, big realm', orgSql.findUnder('realm-big', 'c3', 'a20')],
  ['live', orgSql.live('realm-3')],
  ['live under, big realm', orgSql.liveUnder('realm-big', 'a20')],
  ['org', orgSql.org('realm-3')],
  ['org under', orgSql.orgUnder('realm-3', 'a2')],
  ['org under, big realm', orgSql.orgUnder('realm-big', 'a20')],
  ['beats', orgSql.beats('realm-3')],
  ['set capabilities', orgSql.setCapabilities('realm-3', 'a5', ['c1', 'c9'])],
  ['delete', orgSql.delete('realm-3', 'a6')],
];

describe('the org statements on PostgreSQL', () => {
  it.each(statements)('%s: reads nodes and their runs by index, never a whole table or every running run', async (_name, query) => {
    const text = await plan(query);
    expect(text).not.toMatch(/Seq Scan on (nodes|bridge_runs|node_capabilities)/);
    if (!text.includes('bridge_runs')) return;
    // The running-run probe: per node by bridge_runs_agent, not a hash of every running run.
    expect(text).not.toMatch(/hashed SubPlan/);
    expect(text).toMatch(/Index Cond: \(\(realm_id = \w+\.realm_id\) AND \(agent_id = \w+\.agent_id\) AND \(status = 'running'::text\)\)/);
  });
});
