// Migration 0007 adds the capability index and the spend roll-ups; a database that already holds nodes and
// spend gets them filled from its rows, so hierarchy_find and ledger_summary answer the same after upgrading.
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrateDatabase } from '../../src/db/connection.js';
import { ledgerRepo } from '../../src/db/sqlite/repos/ledger.js';
import { nodeRepo } from '../../src/db/sqlite/repos/nodes.js';
import { databaseBefore } from '../helpers/migrations.js';

const run = <T>(step: Generator<unknown, T, unknown>): T => {
  for (let r = step.next(); ; r = step.next()) if (r.done) return r.value;
};

describe('upgrading a database with nodes and spend to the indexed org and roll-ups', () => {
  it('fills the capability index and the per-day roll-ups from the stored rows', () => {
    const db = databaseBefore('0007');
    const node = db.prepare(`INSERT INTO nodes (realm_id, agent_id, reports_to, title, capabilities, rank, status, version, created_at, updated_at)
      VALUES ('realm-1', ?, ?, NULL, ?, ?, 'active', 1, 't', 't')`);
    node.run('boss', null, '["finance","rust"]', 9);
    node.run('dev', 'boss', '["rust"]', 5);
    const spend = db.prepare(`INSERT INTO spend (id, realm_id, agent_id, cost_units, provider, model, input_tokens, output_tokens, mission_id, timestamp)
      VALUES (?, 'realm-1', ?, ?, 'p', 'm', 1, 2, ?, ?)`);
    spend.run('s1', 'dev', 10_000, null, '2026-11-01T10:00:00.000Z');
    spend.run('s2', 'dev', 20_000, 'msn-1', '2026-11-01T11:00:00.000Z');
    spend.run('s3', 'boss', 35_000, null, '2026-11-02T00:00:00.000Z');

    migrateDatabase(db);
    const orm = drizzle(db);
    const nodes = nodeRepo(orm);
    expect(run(nodes.find('realm-1', 'rust', null)).map((n) => n.agentId)).toEqual(['boss', 'dev']);
    expect(run(nodes.find('realm-1', 'rust', 'dev')).map((n) => n.agentId)).toEqual(['dev']);
    const month = (groupBy: 'agent' | 'mission') =>
      run(ledgerRepo(orm).summary('realm-1', groupBy, '2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z')).sort((a, b) => b.units - a.units);
    expect(month('agent')).toEqual([
      { key: 'boss', units: 35_000, inputTokens: 1, outputTokens: 2, events: 1 },
      { key: 'dev', units: 30_000, inputTokens: 2, outputTokens: 4, events: 2 },
    ]);
    expect(month('mission')).toEqual([
      { key: null, units: 45_000, inputTokens: 2, outputTokens: 4, events: 2 },
      { key: 'msn-1', units: 20_000, inputTokens: 1, outputTokens: 2, events: 1 },
    ]);
    db.close();
  });
});
