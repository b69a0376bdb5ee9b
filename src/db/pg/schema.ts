// The PostgreSQL schema: src/db/schema.ts (SQLite) mirrored table by table, column by column, index by index
// (test/db/pg-schema.test.ts holds them to it). Column kinds:
//  - ids, enums and timestamps stay text: timestamps are ISO-8601 UTC text on both engines, so they sort the
//    same and the audit chain hashes them exactly as stored. Every text column is COLLATE "C": compared byte
//    by byte like SQLite's BINARY, whatever the database's locale (under en_US, 'Bob' sorts after 'alice' and
//    'agent_2' before 'agent-10'; orders and keyset cursors would differ from SQLite's);
//  - integers that can pass 2^31 (ords, money units, token and event sums, audit seq) are bigint read as a JS
//    number (node-postgres would return int8 as a string); counters that stay small are integer;
//  - SQLite REAL is an 8-byte float: double precision here (PostgreSQL's `real` is 4 bytes);
//  - JSON columns are `json`, which keeps the text as written (jsonb re-orders keys and drops whitespace);
//    the audit body `details` and the change feed's payload stay text, as in SQLite, because they are hashed
//    or compared as stored. `json` has no equality operator: never DISTINCT, GROUP BY or `=` on these;
//  - booleans are boolean.
import { sql } from 'drizzle-orm';
import { bigint, boolean, customType, doublePrecision, index, integer, json as pgJson, pgTable, uniqueIndex } from 'drizzle-orm/pg-core';

// Every table has `ord`: a tie-breaker for keyset pagination, since UUID v4 ids do not sort. By default (not
// always) as identity, so imports and copies may write it. Unlike SQLite's, a sequence value is taken at
// insert time, not at commit: rows can become visible out of ord order across concurrent transactions.
const ord = () => bigint('ord', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity();
const json = (name: string) => pgJson(name);
const text = customType<{ data: string; driverData: string }>({ dataType: () => 'text COLLATE "C"' });
const units = (name: string) => bigint(name, { mode: 'number' });

export const realms = pgTable('realms', {
  ord: ord(),
  id: text('id').notNull().unique(),
  name: text('name').notNull(),
  description: text('description'),
  status: text('status').notNull(),
  owner: text('owner').notNull(),
  defaultModel: text('default_model'),
  maxAgents: integer('max_agents'),
  metadata: json('metadata'),
  // The realm's fleet settings (liveness, leases, retries, runaway guards) as given; null: every default.
  fleet: json('fleet'),
  version: integer('version').notNull(),
  createdAt: text('created_at').notNull(),
  updatedAt: text('updated_at').notNull(),
});

export const nodes = pgTable(
  'nodes',
  {
    ord: ord(),
    realmId: text('realm_id').notNull(),
    agentId: text('agent_id').notNull(),
    reportsTo: text('reports_to'),
    title: text('title'),
    capabilities: json('capabilities').$type<string[]>().notNull(),
    rank: integer('rank').notNull(),
    status: text('status').notNull(),
    runtimeId: text('runtime_id'),
    heartbeatAt: text('heartbeat_at'),
    heartbeatState: text('heartbeat_state'),
    load: doublePrecision('load'),
    region: text('region'),
    agentVersion: text('agent_version'),
    failedAt: text('failed_at'),
    version: integer('version').notNull(),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('nodes_realm_agent').on(t.realmId, t.agentId),
    index('nodes_realm_rank').on(t.realmId, t.rank.desc(), t.agentId),
    index('nodes_realm_manager').on(t.realmId, t.reportsTo, t.rank.desc(), t.agentId),
  ],
);

export const nodeCapabilities = pgTable(
  'node_capabilities',
  {
    realmId: text('realm_id').notNull(),
    capability: text('capability').notNull(),
    agentId: text('agent_id').notNull(),
  },
  (t) => [uniqueIndex('node_capabilities_key').on(t.realmId, t.capability, t.agentId), index('node_capabilities_agent').on(t.realmId, t.agentId)],
);

export const directives = pgTable(
  'directives',
  {
    ord: ord(),
    id: text('id').notNull().unique(),
    realmId: text('realm_id').notNull(),
    title: text('title').notNull(),
    description: text('description'),
    level: text('level').notNull(),
    status: text('status').notNull(),
    parentId: text('parent_id'),
    ownerAgentId: text('owner_agent_id'),
    priority: integer('priority').notNull(),
    version: integer('version').notNull(),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    index('directives_realm_order').on(t.realmId, t.priority, t.createdAt, t.ord),
    index('directives_realm_parent').on(t.realmId, t.parentId),
  ],
);

export const missions = pgTable(
  'missions',
  {
    ord: ord(),
    id: text('id').notNull().unique(),
    realmId: text('realm_id').notNull(),
    directiveId: text('directive_id'),
    parentId: text('parent_id'),
    title: text('title').notNull(),
    description: text('description'),
    status: text('status').notNull(),
    priority: integer('priority').notNull(),
    assigneeId: text('assignee_id'),
    createdBy: text('created_by').notNull(),
    billingCode: text('billing_code'),
    requiredCapabilities: json('required_capabilities').$type<string[]>().notNull(),
    blockedBy: json('blocked_by').$type<string[]>().notNull().default(sql`'[]'::json`),
    region: text('region'),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts'),
    retryAt: text('retry_at'),
    lastError: text('last_error'),
    // Grows with every checkout of the mission: bigint, it never wraps.
    fence: bigint('fence', { mode: 'number' }).notNull().default(0),
    leaseExpiresAt: text('lease_expires_at'),
    version: integer('version').notNull(),
    startedAt: text('started_at'),
    completedAt: text('completed_at'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    index('missions_realm_order').on(t.realmId, t.priority, t.createdAt, t.ord),
    index('missions_realm_status').on(t.realmId, t.status, t.priority, t.createdAt, t.ord),
    // Partial, like the two below: a mission nobody holds (every new one) writes no entry here. Every query
    // of it names an assignee (=), which the planner takes as implying IS NOT NULL.
    index('missions_realm_assignee').on(t.realmId, t.assigneeId).where(sql`assignee_id IS NOT NULL`),
    // Claim-next's seeks (src/db/claim-order.ts): a priority's queued missions of one region (or none), oldest
    // first. Only queued missions are in it, so a mission leaves it when it is taken.
    index('missions_queue').on(t.realmId, t.priority, t.region, t.createdAt, t.ord).where(sql`status = 'queued'`),
    index('missions_lease').on(t.leaseExpiresAt).where(sql`lease_expires_at IS NOT NULL`),
  ],
);

export const missionBlockers = pgTable(
  'mission_blockers',
  {
    realmId: text('realm_id').notNull(),
    missionId: text('mission_id').notNull(),
    blockerId: text('blocker_id').notNull(),
  },
  (t) => [uniqueIndex('mission_blockers_key').on(t.realmId, t.missionId, t.blockerId), index('mission_blockers_blocker').on(t.realmId, t.blockerId)],
);

export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    realmId: text('realm_id').notNull(),
    key: text('key').notNull(),
    function: text('function').notNull(),
    inputHash: text('input_hash').notNull(),
    state: text('state').notNull(),
    result: json('result'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [uniqueIndex('idempotency_keys_key').on(t.realmId, t.key), index('idempotency_keys_created').on(t.createdAt)],
);

export const guardCrossings = pgTable(
  'guard_crossings',
  {
    realmId: text('realm_id').notNull(),
    scope: text('scope').notNull(),
    scopeId: text('scope_id').notNull(),
    kind: text('kind').notNull(),
    window: text('window').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [uniqueIndex('guard_crossings_key').on(t.realmId, t.scope, t.scopeId, t.kind, t.window)],
);

export const comments = pgTable(
  'comments',
  {
    ord: ord(),
    id: text('id').notNull().unique(),
    realmId: text('realm_id').notNull(),
    missionId: text('mission_id').notNull(),
    authorId: text('author_id').notNull(),
    body: text('body').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('comments_realm_mission').on(t.realmId, t.missionId, t.ord)],
);

// `details` is the canonical JSON text that was hashed: text, never json or jsonb, so it reads back byte for byte.
const auditColumns = () => ({
  id: text('id').notNull(),
  seq: bigint('seq', { mode: 'number' }).notNull(),
  actorKind: text('actor_kind').notNull(),
  actorId: text('actor_id').notNull(),
  action: text('action').notNull(),
  entityType: text('entity_type').notNull(),
  entityId: text('entity_id').notNull(),
  details: text('details'),
  prevHash: text('prev_hash').notNull(),
  hash: text('hash').notNull(),
  timestamp: text('timestamp').notNull(),
});

export const auditEntries = pgTable(
  'audit_entries',
  {
    ord: ord(),
    realmId: text('realm_id').notNull(),
    ...auditColumns(),
    id: text('id').notNull().unique(),
  },
  (t) => [
    uniqueIndex('audit_realm_seq').on(t.realmId, t.seq),
    index('audit_realm_action').on(t.realmId, t.action, t.seq),
    index('audit_realm_entity').on(t.realmId, t.entityId, t.seq),
    index('audit_realm_actor').on(t.realmId, t.actorId, t.seq),
  ],
);

// One row per realm: the chain's head, locked FOR UPDATE by every append so a realm's chain never forks.
export const auditHeads = pgTable('audit_heads', {
  realmId: text('realm_id').primaryKey(),
  seq: bigint('seq', { mode: 'number' }).notNull(),
  hash: text('hash').notNull(),
});

export const auditArchive = pgTable(
  'audit_archive',
  {
    ord: ord(),
    realmId: text('realm_id').notNull(),
    sourceRealmId: text('source_realm_id').notNull(),
    ...auditColumns(),
    redacted: boolean('redacted').notNull(),
  },
  (t) => [index('audit_archive_realm_seq').on(t.realmId, t.seq)],
);

// The change feed. The default is SQLite's strftime('%Y-%m-%dT%H:%M:%fZ','now'): the same ISO text, in UTC.
export const changes = pgTable('changes', {
  ord: ord(),
  realmId: text('realm_id'),
  origin: text('origin').notNull().default(''),
  topic: text('topic').notNull(),
  payload: text('payload').notNull(),
  createdAt: text('created_at')
    .notNull()
    .default(sql`to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`),
});

// Money is integer ten-thousandths of a cent ("units").
export const budgets = pgTable(
  'budgets',
  {
    ord: ord(),
    id: text('id').notNull().unique(),
    realmId: text('realm_id').notNull(),
    agentId: text('agent_id'),
    monthlyCents: units('monthly_cents').notNull(),
    softThreshold: doublePrecision('soft_threshold').notNull(),
    hardLimit: boolean('hard_limit').notNull(),
    billingCode: text('billing_code'),
    version: integer('version').notNull(),
    updatedAt: text('updated_at').notNull(),
    alertLevel: text('alert_level'),
    alertPeriod: text('alert_period'),
  },
  (t) => [
    uniqueIndex('budgets_realm_agent').on(t.realmId, t.agentId).where(sql`agent_id IS NOT NULL`),
    uniqueIndex('budgets_realm_only').on(t.realmId).where(sql`agent_id IS NULL`),
    index('budgets_realm').on(t.realmId, t.ord),
  ],
);

export const spend = pgTable(
  'spend',
  {
    ord: ord(),
    id: text('id').notNull().unique(),
    realmId: text('realm_id').notNull(),
    agentId: text('agent_id').notNull(),
    costUnits: units('cost_units').notNull(),
    provider: text('provider').notNull(),
    model: text('model').notNull(),
    inputTokens: units('input_tokens').notNull(),
    outputTokens: units('output_tokens').notNull(),
    missionId: text('mission_id'),
    runId: text('run_id'),
    billingCode: text('billing_code'),
    eventId: text('event_id'),
    timestamp: text('timestamp').notNull(),
  },
  (t) => [
    uniqueIndex('spend_realm_event').on(t.realmId, t.eventId).where(sql`event_id IS NOT NULL`),
    index('spend_realm_time').on(t.realmId, t.timestamp),
  ],
);

export const spendTotals = pgTable(
  'spend_totals',
  {
    ord: ord(),
    realmId: text('realm_id').notNull(),
    agentId: text('agent_id').notNull(),
    period: text('period').notNull(),
    units: units('units').notNull(),
  },
  (t) => [uniqueIndex('spend_totals_key').on(t.realmId, t.agentId, t.period)],
);

export const spendRollups = pgTable(
  'spend_rollups',
  {
    ord: ord(),
    realmId: text('realm_id').notNull(),
    grouping: text('grouping').notNull(),
    day: text('day').notNull(),
    key: text('key').notNull(),
    units: units('units').notNull(),
    inputTokens: units('input_tokens').notNull(),
    outputTokens: units('output_tokens').notNull(),
    events: units('events').notNull(),
  },
  (t) => [uniqueIndex('spend_rollups_key').on(t.realmId, t.grouping, t.day, t.key)],
);

export const proposals = pgTable(
  'proposals',
  {
    ord: ord(),
    id: text('id').notNull().unique(),
    realmId: text('realm_id').notNull(),
    kind: text('kind').notNull(),
    status: text('status').notNull(),
    title: text('title').notNull(),
    payload: json('payload'),
    requestedBy: text('requested_by').notNull(),
    decidedBy: text('decided_by'),
    decisionNote: text('decision_note'),
    decidedAt: text('decided_at'),
    effect: json('effect'),
    version: integer('version').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('proposals_realm_order').on(t.realmId, t.ord), index('proposals_realm_status').on(t.realmId, t.status, t.ord)],
);

export const runtimes = pgTable(
  'runtimes',
  {
    ord: ord(),
    id: text('id').notNull().unique(),
    realmId: text('realm_id'),
    kind: text('kind').notNull(),
    name: text('name').notNull(),
    command: text('command'),
    args: json('args').$type<string[]>().notNull(),
    url: text('url'),
    headers: json('headers').$type<Record<string, string>>(),
    envVars: json('env_vars').$type<Record<string, string>>(),
    inheritEnv: json('inherit_env').$type<string[]>().notNull().default(sql`'[]'::json`),
    workDir: text('work_dir'),
    timeoutSecs: integer('timeout_secs').notNull(),
    model: text('model'),
    connectControlPlane: boolean('connect_control_plane').notNull(),
    permissions: text('permissions'),
    version: integer('version').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('runtimes_realm').on(t.realmId, t.ord)],
);

export const bridgeRuns = pgTable(
  'bridge_runs',
  {
    ord: ord(),
    id: text('id').notNull().unique(),
    runtimeId: text('runtime_id').notNull(),
    realmId: text('realm_id'),
    agentId: text('agent_id').notNull(),
    missionId: text('mission_id'),
    status: text('status').notNull(),
    output: text('output'),
    outputTruncated: boolean('output_truncated').notNull(),
    error: text('error'),
    stderrTruncated: boolean('stderr_truncated').notNull(),
    exitCode: integer('exit_code'),
    signal: text('signal'),
    sessionId: text('session_id'),
    usage: json('usage'),
    costUnits: units('cost_units'),
    provider: text('provider'),
    model: text('model'),
    permissionDenials: json('permission_denials'),
    ownerInstanceId: text('owner_instance_id').notNull(),
    pid: integer('pid'),
    processStart: text('process_start'),
    cancelRequested: boolean('cancel_requested').notNull(),
    startedAt: text('started_at').notNull(),
    finishedAt: text('finished_at'),
  },
  (t) => [
    index('bridge_runs_status').on(t.status, t.ownerInstanceId),
    index('bridge_runs_agent').on(t.realmId, t.agentId, t.status),
    index('bridge_runs_realm_started').on(t.realmId, t.startedAt),
    index('bridge_runs_runtime_started').on(t.runtimeId, t.startedAt),
    index('bridge_runs_agent_started').on(t.realmId, t.agentId, t.startedAt),
  ],
);

export const agentSessions = pgTable(
  'agent_sessions',
  {
    ord: ord(),
    realmId: text('realm_id').notNull(),
    agentId: text('agent_id').notNull(),
    runtimeId: text('runtime_id').notNull(),
    sessionId: text('session_id').notNull(),
    usage: json('usage'),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('agent_sessions_key').on(t.realmId, t.agentId, t.runtimeId)],
);

export const instances = pgTable('instances', {
  id: text('id').primaryKey(),
  pid: integer('pid').notNull(),
  host: text('host').notNull(),
  startedAt: text('started_at').notNull(),
  heartbeatAt: text('heartbeat_at').notNull(),
});

export const leases = pgTable('leases', {
  name: text('name').primaryKey(),
  holder: text('holder').notNull(),
  expiresAt: text('expires_at').notNull(),
});

export const pulseConfigs = pgTable(
  'pulse_configs',
  {
    ord: ord(),
    realmId: text('realm_id').notNull(),
    agentId: text('agent_id').notNull(),
    cron: text('cron').notNull(),
    timezone: text('timezone').notNull(),
    enabled: boolean('enabled').notNull(),
    contextMode: text('context_mode').notNull(),
    runtimeId: text('runtime_id'),
    timeoutSecs: integer('timeout_secs'),
    maxRetries: integer('max_retries').notNull(),
    skipWhenIdle: boolean('skip_when_idle').notNull(),
    version: integer('version').notNull(),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('pulse_configs_key').on(t.realmId, t.agentId)],
);

export const pulseRuns = pgTable(
  'pulse_runs',
  {
    ord: ord(),
    id: text('id').notNull().unique(),
    realmId: text('realm_id').notNull(),
    agentId: text('agent_id').notNull(),
    source: text('source').notNull(),
    status: text('status').notNull(),
    attempt: integer('attempt').notNull(),
    skipReason: text('skip_reason'),
    skipCount: integer('skip_count').notNull(),
    bridgeRunId: text('bridge_run_id'),
    contextSnapshot: json('context_snapshot'),
    nextAttemptAt: text('next_attempt_at'),
    scheduledFor: text('scheduled_for'),
    startedAt: text('started_at').notNull(),
    finishedAt: text('finished_at'),
    error: text('error'),
  },
  (t) => [
    // Partial: ON CONFLICT against it must repeat the predicate (onConflictDoNothing({ target, where })).
    uniqueIndex('pulse_runs_slot').on(t.realmId, t.agentId, t.scheduledFor).where(sql`scheduled_for IS NOT NULL`),
    index('pulse_runs_agent').on(t.realmId, t.agentId, t.ord),
    index('pulse_runs_retry').on(t.nextAttemptAt).where(sql`next_attempt_at IS NOT NULL`),
  ],
);

// Claimed cron slots: INSERT ... ON CONFLICT DO NOTHING RETURNING gives each slot to one instance.
export const pulseSlots = pgTable(
  'pulse_slots',
  {
    ord: ord(),
    realmId: text('realm_id').notNull(),
    agentId: text('agent_id').notNull(),
    scheduledFor: text('scheduled_for').notNull(),
    claimedBy: text('claimed_by').notNull(),
  },
  (t) => [uniqueIndex('pulse_slots_key').on(t.realmId, t.agentId, t.scheduledFor)],
);

export const tokens = pgTable(
  'tokens',
  {
    ord: ord(),
    id: text('id').notNull().unique(),
    name: text('name').notNull(),
    role: text('role').notNull(),
    realmId: text('realm_id'),
    agentId: text('agent_id'),
    secretHash: text('secret_hash').notNull(),
    createdAt: text('created_at').notNull(),
    expiresAt: text('expires_at'),
    revokedAt: text('revoked_at'),
  },
  (t) => [index('tokens_realm').on(t.realmId)],
);
