// The per-realm table registry of the PostgreSQL store: src/db/sqlite/realm-tables.ts entry for entry (same
// tables, same order, same sections; test/db/pg-realm-data.test.ts holds them to it), over the PostgreSQL
// schema and repositories. realm_delete, realm_export and realm_import are driven by this list.
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Step } from '../../domain/store.js';
import {
  agentSessions, auditArchive, auditEntries, auditHeads, bridgeRuns, budgets, changes, comments, directives, guardCrossings, idempotencyKeys,
  missionBlockers, missions, nodeCapabilities, nodes, proposals, pulseConfigs, pulseRuns, pulseSlots, realms, runtimes, spend, spendRollups, spendTotals, tokens,
} from './schema.js';
import { runtimeRecord, runtimeRow } from './repos/bridge.js';
import { pulseConfigRecord, pulseConfigRow } from './repos/pulses.js';
import type { PgDb } from './repos/shared.js';
import { budgetRecord, budgetRow, rebuildTotals, spendRecord, spendRow } from './repos/ledger.js';
import { proposalRecord, proposalRow } from './repos/proposals.js';
import { commentRecord, commentRow } from './repos/comments.js';
import { directiveRecord, directiveRow } from './repos/directives.js';
import { rebuildBlockers } from './repos/mission-blockers.js';
import { missionRecord, missionRow } from './repos/missions.js';
import { nodeRecord, nodeRow, rebuildCapabilities } from './repos/nodes.js';
import { realmRecord, realmRow } from './repos/realms.js';

export interface RealmTable {
  /** The table's SQL name, used for the counts realm_delete returns. */
  name: string;
  table: PgTable;
  realmColumn: PgColumn;
  /** The section of the export document it fills, or null for tables that are not exported as such. */
  section: string | null;
  toRecord?: (row: never) => Record<string, unknown>;
  /** The row of a record; realm-data's load sets its realm column (in-realm.ts). */
  toRow?: (record: never) => Record<string, unknown>;
  /** Runs after an import loaded this section (to rebuild data derived from it), in the same transaction. */
  afterLoad?: (db: PgDb, realmId: string) => Step<void>;
}

const table = <R, T>(entry: RealmTable & { toRecord?: (row: R) => T; toRow?: (record: T) => Record<string, unknown> }) =>
  entry as RealmTable;

export const realmTables: RealmTable[] = [
  table({ name: 'realms', table: realms, realmColumn: realms.id, section: 'realm', toRecord: realmRecord, toRow: realmRow }),
  table({ name: 'nodes', table: nodes, realmColumn: nodes.realmId, section: 'nodes', toRecord: nodeRecord, toRow: nodeRow, afterLoad: rebuildCapabilities }),
  table({ name: 'node_capabilities', table: nodeCapabilities, realmColumn: nodeCapabilities.realmId, section: null }),
  table({ name: 'directives', table: directives, realmColumn: directives.realmId, section: 'directives', toRecord: directiveRecord, toRow: directiveRow }),
  table({ name: 'missions', table: missions, realmColumn: missions.realmId, section: 'missions', toRecord: missionRecord, toRow: missionRow, afterLoad: rebuildBlockers }),
  table({ name: 'mission_blockers', table: missionBlockers, realmColumn: missionBlockers.realmId, section: null }),
  table({ name: 'comments', table: comments, realmColumn: comments.realmId, section: 'comments', toRecord: commentRecord, toRow: commentRow }),
  table({ name: 'budgets', table: budgets, realmColumn: budgets.realmId, section: 'budgets', toRecord: budgetRecord, toRow: budgetRow }),
  table({ name: 'spend', table: spend, realmColumn: spend.realmId, section: 'spend', toRecord: spendRecord, toRow: spendRow, afterLoad: rebuildTotals }),
  table({ name: 'spend_totals', table: spendTotals, realmColumn: spendTotals.realmId, section: null }),
  table({ name: 'spend_rollups', table: spendRollups, realmColumn: spendRollups.realmId, section: null }),
  table({ name: 'proposals', table: proposals, realmColumn: proposals.realmId, section: 'proposals', toRecord: proposalRecord, toRow: proposalRow }),
  // Only realm-scoped runtimes belong to a realm; global ones (realm_id NULL) are never matched by realm id.
  table({ name: 'runtimes', table: runtimes, realmColumn: runtimes.realmId, section: 'runtimes', toRecord: runtimeRecord, toRow: runtimeRow }),
  table({ name: 'pulse_configs', table: pulseConfigs, realmColumn: pulseConfigs.realmId, section: 'pulses', toRecord: pulseConfigRecord, toRow: pulseConfigRow }),
  table({ name: 'pulse_runs', table: pulseRuns, realmColumn: pulseRuns.realmId, section: null }),
  table({ name: 'pulse_slots', table: pulseSlots, realmColumn: pulseSlots.realmId, section: null }),
  table({ name: 'bridge_runs', table: bridgeRuns, realmColumn: bridgeRuns.realmId, section: null }),
  table({ name: 'agent_sessions', table: agentSessions, realmColumn: agentSessions.realmId, section: null }),
  // The chain is exported and imported by the audit functions (an import archives it), so no section here.
  table({ name: 'audit_entries', table: auditEntries, realmColumn: auditEntries.realmId, section: null }),
  table({ name: 'audit_heads', table: auditHeads, realmColumn: auditHeads.realmId, section: null }),
  table({ name: 'audit_archive', table: auditArchive, realmColumn: auditArchive.realmId, section: null }),
  table({ name: 'changes', table: changes, realmColumn: changes.realmId, section: null }),
  // A deleted realm's operator and agent tokens go with it; an export never carries tokens.
  table({ name: 'idempotency_keys', table: idempotencyKeys, realmColumn: idempotencyKeys.realmId, section: null }),
  table({ name: 'guard_crossings', table: guardCrossings, realmColumn: guardCrossings.realmId, section: null }),
  table({ name: 'tokens', table: tokens, realmColumn: tokens.realmId, section: null }),
];
