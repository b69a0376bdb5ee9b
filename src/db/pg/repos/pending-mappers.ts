// TEMPORARY, until the other PostgreSQL repositories (realms, nodes, directives, missions, mission-blockers,
// comments, ledger, proposals: written on other branches) are merged: what the realm-table registry
// (src/db/pg/realm-tables.ts) needs of them, so that it compiles and is tested here. Delete this file once they
// are in, and import from them as realm-tables.ts says.
//  - The record mappers are the SQLite store's own: they are pure functions of a row, and a PostgreSQL row has
//    the same fields holding the same kinds of values (JSON as values, booleans, numbers).
//  - The derived-data rebuilds, as the SQLite ones but in PostgreSQL (json_array_elements_text for json_each),
//    are generators over a PgDb: the PostgreSQL nodes, mission-blockers and ledger repositories should export
//    them under these names and this signature.
import { sql } from 'drizzle-orm';
import { groupings, type Grouping } from '../../../domain/ledger/model.js';
import type { Step } from '../../../domain/store.js';
import * as comments from '../../sqlite/repos/comments.js';
import * as directives from '../../sqlite/repos/directives.js';
import * as ledger from '../../sqlite/repos/ledger.js';
import * as missions from '../../sqlite/repos/missions.js';
import * as nodes from '../../sqlite/repos/nodes.js';
import * as proposals from '../../sqlite/repos/proposals.js';
import * as realms from '../../sqlite/repos/realms.js';
import { spend } from '../schema.js';
import { type PgDb, q } from './shared.js';

// Loosely typed on purpose: the SQLite functions are typed by SQLite rows, the registry takes any row.
type Fields = Record<string, unknown>;
const toRecord = (f: unknown) => f as (row: never) => Fields;
const toRow = (f: unknown) => f as (record: Fields, realmId: string) => Fields;

export const realmRecord = toRecord(realms.realmRecord);
export const realmRow = toRow(realms.realmRow);
export const nodeRecord = toRecord(nodes.nodeRecord);
export const nodeRow = toRow(nodes.nodeRow);
export const directiveRecord = toRecord(directives.directiveRecord);
export const directiveRow = toRow(directives.directiveRow);
export const missionRecord = toRecord(missions.missionRecord);
export const missionRow = toRow(missions.missionRow);
export const commentRecord = toRecord(comments.commentRecord);
export const commentRow = toRow(comments.commentRow);
export const budgetRecord = toRecord(ledger.budgetRecord);
export const budgetRow = toRow(ledger.budgetRow);
export const spendRecord = toRecord(ledger.spendRecord);
export const spendRow = toRow(ledger.spendRow);
export const proposalRecord = toRecord(proposals.proposalRecord);
export const proposalRow = toRow(proposals.proposalRow);

export function* rebuildCapabilities(db: PgDb, realmId: string): Step<void> {
  yield* q(db.execute(sql`DELETE FROM node_capabilities WHERE realm_id = ${realmId}`));
  yield* q(
    db.execute(sql`INSERT INTO node_capabilities (realm_id, capability, agent_id)
      SELECT n.realm_id, c.value, n.agent_id FROM nodes n, json_array_elements_text(n.capabilities) c(value) WHERE n.realm_id = ${realmId}
      ON CONFLICT DO NOTHING`),
  );
}

export function* rebuildBlockers(db: PgDb, realmId: string): Step<void> {
  yield* q(db.execute(sql`DELETE FROM mission_blockers WHERE realm_id = ${realmId}`));
  yield* q(
    db.execute(sql`INSERT INTO mission_blockers (realm_id, mission_id, blocker_id)
      SELECT m.realm_id, m.id, b.value FROM missions m, json_array_elements_text(m.blocked_by) b(value) WHERE m.realm_id = ${realmId}
      ON CONFLICT DO NOTHING`),
  );
}

const groupColumn: Record<Grouping, string> = { agent: 'agent_id', model: 'model', provider: 'provider', billing_code: 'billing_code', mission: 'mission_id' };

export function* rebuildTotals(db: PgDb, realmId: string): Step<void> {
  yield* q(db.execute(sql`DELETE FROM spend_totals WHERE realm_id = ${realmId}`));
  // Per agent, and for the whole realm under agent ''. PostgreSQL refuses a constant in GROUP BY: the realm's
  // row groups by period alone.
  const period = sql`substr(timestamp, 1, 7)`;
  for (const [agent, groupBy] of [[sql.raw('agent_id'), sql`agent_id, ${period}`], [sql`''`, period]] as const) {
    yield* q(
      db.execute(sql`INSERT INTO spend_totals (realm_id, agent_id, period, units)
        SELECT ${realmId}, ${agent}, ${period}, sum(cost_units) FROM ${spend} WHERE realm_id = ${realmId} GROUP BY ${groupBy}`),
    );
  }
  yield* q(db.execute(sql`DELETE FROM spend_rollups WHERE realm_id = ${realmId}`));
  for (const grouping of groupings) {
    // A null key is kept as '' (as the SQLite roll-ups: a unique index treats NULLs as distinct).
    const key = sql`coalesce(${sql.raw(groupColumn[grouping])}, '')`;
    yield* q(
      db.execute(sql`INSERT INTO spend_rollups (realm_id, grouping, day, key, units, input_tokens, output_tokens, events)
        SELECT ${realmId}, ${grouping}, substr(timestamp, 1, 10), ${key}, sum(cost_units), sum(input_tokens), sum(output_tokens), count(*)
        FROM ${spend} WHERE realm_id = ${realmId} GROUP BY substr(timestamp, 1, 10), ${key}`),
    );
  }
}
