// The SQLite schema. Column kinds are kept to ones PostgreSQL has too (text, integer, json as text), so a
// PostgreSQL schema can mirror this file line by line. Timestamps are ISO-8601 UTC text: they sort as text,
// and the audit chain hashes them exactly as stored.
import { sql } from 'drizzle-orm';
import { index, integer, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

// Every table has `ord`: a monotonic tie-breaker for keyset pagination, since UUID v4 ids do not sort.
const ord = () => integer('ord').primaryKey({ autoIncrement: true });
const json = (name: string) => text(name, { mode: 'json' });

export const realms = sqliteTable('realms', {
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

export const nodes = sqliteTable(
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
    // What the agent last said of itself (hierarchy_heartbeat); liveness is derived from these at read time.
    heartbeatAt: text('heartbeat_at'),
    heartbeatState: text('heartbeat_state'),
    load: real('load'),
    region: text('region'),
    agentVersion: text('agent_version'),
    // The last failure seen for the agent (a failed or lost run): liveness `failed` until its next heartbeat.
    failedAt: text('failed_at'),
    version: integer('version').notNull(),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('nodes_realm_agent').on(t.realmId, t.agentId),
    // The org in tree order (rank desc, then agentId), and each manager's reports in that order, read from
    // the index without sorting: hierarchy_tree and the walk down a subtree.
    index('nodes_realm_rank').on(t.realmId, sql`${t.rank} desc`, t.agentId),
    index('nodes_realm_manager').on(t.realmId, t.reportsTo, sql`${t.rank} desc`, t.agentId),
  ],
);

// Which agents have a capability: kept with every write of a node, so hierarchy_find looks agents up by
// capability instead of reading the realm's whole org and parsing each node's JSON list.
export const nodeCapabilities = sqliteTable(
  'node_capabilities',
  {
    realmId: text('realm_id').notNull(),
    capability: text('capability').notNull(),
    agentId: text('agent_id').notNull(),
  },
  (t) => [uniqueIndex('node_capabilities_key').on(t.realmId, t.capability, t.agentId), index('node_capabilities_agent').on(t.realmId, t.agentId)],
);

export const directives = sqliteTable(
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

export const missions = sqliteTable(
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
    // Missions that must be complete before this one can be claimed (also kept in mission_blockers).
    blockedBy: json('blocked_by').$type<string[]>().notNull().default(sql`'[]'`),
    region: text('region'),
    // Retries: attempts failed so far, the cap (null: the realm's), when it may be claimed again, why it failed.
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts'),
    retryAt: text('retry_at'),
    lastError: text('last_error'),
    // The lease: fence grows with every checkout; the holder must renew before leaseExpiresAt (null: no expiry).
    fence: integer('fence').notNull().default(0),
    leaseExpiresAt: text('lease_expires_at'),
    version: integer('version').notNull(),
    startedAt: text('started_at'),
    completedAt: text('completed_at'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    index('missions_realm_order').on(t.realmId, t.priority, t.createdAt, t.ord),
    // A status filter in list order (mission_list status=..., the board, checkout's queue): a page reads
    // `limit` index entries whatever the number of missions.
    index('missions_realm_status').on(t.realmId, t.status, t.priority, t.createdAt, t.ord),
    // Partial, like the two below: a mission nobody holds (every new one) writes no entry here. Every query
    // of it names an assignee (=), which the planner takes as implying IS NOT NULL.
    index('missions_realm_assignee').on(t.realmId, t.assigneeId).where(sql`assignee_id IS NOT NULL`),
    // Claim-next's seeks (src/db/claim-order.ts): a priority's queued missions of one region (or none), oldest
    // first. Only queued missions are in it, so a mission leaves it when it is taken.
    index('missions_queue').on(t.realmId, t.priority, t.region, t.createdAt, t.ord).where(sql`status = 'queued'`),
    // The lease sweep: active missions whose lease has run out, across realms.
    index('missions_lease').on(t.leaseExpiresAt).where(sql`lease_expires_at IS NOT NULL`),
  ],
);

// Which missions block which (derived from missions.blocked_by on every write): claimability and cycle checks
// look blockers up by index instead of parsing every mission's JSON list.
export const missionBlockers = sqliteTable(
  'mission_blockers',
  {
    realmId: text('realm_id').notNull(),
    missionId: text('mission_id').notNull(),
    blockerId: text('blocker_id').notNull(),
  },
  (t) => [uniqueIndex('mission_blockers_key').on(t.realmId, t.missionId, t.blockerId), index('mission_blockers_blocker').on(t.realmId, t.blockerId)],
);

// Idempotency keys: the first result of a call, per realm (realm '' for calls outside one), kept 24 hours.
export const idempotencyKeys = sqliteTable(
  'idempotency_keys',
  {
    realmId: text('realm_id').notNull(),
    key: text('key').notNull(),
    function: text('function').notNull(),
    inputHash: text('input_hash').notNull(),
    // pending while the first call runs; done with its result after.
    state: text('state').notNull(),
    result: json('result'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [uniqueIndex('idempotency_keys_key').on(t.realmId, t.key), index('idempotency_keys_created').on(t.createdAt)],
);

// Runaway guards: one row per limit crossed per window, so a crossing is audited once however often it is hit.
export const guardCrossings = sqliteTable(
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

export const comments = sqliteTable(
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

// The fields of an audit entry, shared by the chain and the archive of imported chains. `details` holds the
// canonical JSON text that was hashed (never re-serialised).
const auditColumns = () => ({
  id: text('id').notNull(),
  seq: integer('seq').notNull(),
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

// The hash chain.
export const auditEntries = sqliteTable(
  'audit_entries',
  {
    ord: ord(),
    realmId: text('realm_id').notNull(),
    ...auditColumns(),
    // The chain's ids are unique; the archive keeps copies of them.
    id: text('id').notNull().unique(),
  },
  (t) => [
    uniqueIndex('audit_realm_seq').on(t.realmId, t.seq),
    index('audit_realm_action').on(t.realmId, t.action, t.seq),
    index('audit_realm_entity').on(t.realmId, t.entityId, t.seq),
    index('audit_realm_actor').on(t.realmId, t.actorId, t.seq),
  ],
);

// One row per realm: the chain's head, so an append reads one row (and PostgreSQL can lock it FOR UPDATE).
export const auditHeads = sqliteTable('audit_heads', {
  realmId: text('realm_id').primaryKey(),
  seq: integer('seq').notNull(),
  hash: text('hash').notNull(),
});

// The chain an imported realm came with, kept read-only with its original hashes.
export const auditArchive = sqliteTable(
  'audit_archive',
  {
    ord: ord(),
    realmId: text('realm_id').notNull(),
    sourceRealmId: text('source_realm_id').notNull(),
    ...auditColumns(),
    redacted: integer('redacted', { mode: 'boolean' }).notNull(),
  },
  (t) => [index('audit_archive_realm_seq').on(t.realmId, t.seq)],
);

// The change feed: written in the same transaction as every mutation, so other processes on this database
// can notice and re-announce what changed. `origin` is the writing process, which skips its own rows.
export const changes = sqliteTable(
  'changes',
  {
    ord: ord(),
    realmId: text('realm_id'),
    origin: text('origin').notNull().default(''),
    topic: text('topic').notNull(),
    payload: text('payload').notNull(),
    createdAt: text('created_at').notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  },
);

// Money is integer ten-thousandths of a cent ("units"): 4.25 cents is 42500, 0.0049 cents is 49.
export const budgets = sqliteTable(
  'budgets',
  {
    ord: ord(),
    id: text('id').notNull().unique(),
    realmId: text('realm_id').notNull(),
    agentId: text('agent_id'),
    monthlyCents: integer('monthly_cents').notNull(),
    softThreshold: real('soft_threshold').notNull(),
    hardLimit: integer('hard_limit', { mode: 'boolean' }).notNull(),
    billingCode: text('billing_code'),
    version: integer('version').notNull(),
    updatedAt: text('updated_at').notNull(),
    // The last alert published, per period, so each threshold fires once per crossing.
    alertLevel: text('alert_level'),
    alertPeriod: text('alert_period'),
  },
  (t) => [
    uniqueIndex('budgets_realm_agent').on(t.realmId, t.agentId).where(sql`agent_id IS NOT NULL`),
    // NULLs are distinct in a unique index, so the one realm budget needs its own partial index.
    uniqueIndex('budgets_realm_only').on(t.realmId).where(sql`agent_id IS NULL`),
    // The partial indexes above cannot serve "every budget of the realm" (ledger overview, export, delete).
    index('budgets_realm').on(t.realmId, t.ord),
  ],
);

export const spend = sqliteTable(
  'spend',
  {
    ord: ord(),
    id: text('id').notNull().unique(),
    realmId: text('realm_id').notNull(),
    agentId: text('agent_id').notNull(),
    costUnits: integer('cost_units').notNull(),
    provider: text('provider').notNull(),
    model: text('model').notNull(),
    inputTokens: integer('input_tokens').notNull(),
    outputTokens: integer('output_tokens').notNull(),
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

// Running totals per (realm, agent, month), kept in the spend transaction so a check never sums a month of
// rows. The realm-wide total uses agent_id '' (agent ids cannot be empty).
export const spendTotals = sqliteTable(
  'spend_totals',
  {
    ord: ord(),
    realmId: text('realm_id').notNull(),
    agentId: text('agent_id').notNull(),
    period: text('period').notNull(),
    units: integer('units').notNull(),
  },
  (t) => [uniqueIndex('spend_totals_key').on(t.realmId, t.agentId, t.period)],
);

// Spend summed per (realm, UTC day, grouping, key), kept in the spend transaction, so ledger_summary reads
// days x keys rows instead of every spend of the window (only partial days at its edges read spend rows).
// A null key (no billing code, no mission) is stored as '' (no grouping's key can be empty).
export const spendRollups = sqliteTable(
  'spend_rollups',
  {
    ord: ord(),
    realmId: text('realm_id').notNull(),
    grouping: text('grouping').notNull(),
    day: text('day').notNull(),
    key: text('key').notNull(),
    units: integer('units').notNull(),
    inputTokens: integer('input_tokens').notNull(),
    outputTokens: integer('output_tokens').notNull(),
    events: integer('events').notNull(),
  },
  (t) => [uniqueIndex('spend_rollups_key').on(t.realmId, t.grouping, t.day, t.key)],
);

export const proposals = sqliteTable(
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

// Runtimes: realm-scoped, or global when realm_id is NULL.
export const runtimes = sqliteTable(
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
    inheritEnv: json('inherit_env').$type<string[]>().notNull().default(sql`'[]'`),
    workDir: text('work_dir'),
    timeoutSecs: integer('timeout_secs').notNull(),
    model: text('model'),
    connectControlPlane: integer('connect_control_plane', { mode: 'boolean' }).notNull(),
    permissions: text('permissions'),
    version: integer('version').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('runtimes_realm').on(t.realmId, t.ord)],
);

// Bridge runs. The owner process, its pid/process group and the group leader's start time let recovery stop
// a dead owner's processes without ever signalling a reused pid.
export const bridgeRuns = sqliteTable(
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
    outputTruncated: integer('output_truncated', { mode: 'boolean' }).notNull(),
    error: text('error'),
    stderrTruncated: integer('stderr_truncated', { mode: 'boolean' }).notNull(),
    exitCode: integer('exit_code'),
    signal: text('signal'),
    sessionId: text('session_id'),
    usage: json('usage'),
    costUnits: integer('cost_units'),
    provider: text('provider'),
    model: text('model'),
    permissionDenials: json('permission_denials'),
    ownerInstanceId: text('owner_instance_id').notNull(),
    pid: integer('pid'),
    processStart: text('process_start'),
    cancelRequested: integer('cancel_requested', { mode: 'boolean' }).notNull(),
    startedAt: text('started_at').notNull(),
    finishedAt: text('finished_at'),
  },
  (t) => [
    index('bridge_runs_status').on(t.status, t.ownerInstanceId),
    index('bridge_runs_agent').on(t.realmId, t.agentId, t.status),
    // Runaway guards count a realm's, a runtime's and an agent's runs of the last hour.
    index('bridge_runs_realm_started').on(t.realmId, t.startedAt),
    index('bridge_runs_runtime_started').on(t.runtimeId, t.startedAt),
    index('bridge_runs_agent_started').on(t.realmId, t.agentId, t.startedAt),
  ],
);

// The CLI session to resume, per (realm, agent, runtime).
export const agentSessions = sqliteTable(
  'agent_sessions',
  {
    ord: ord(),
    realmId: text('realm_id').notNull(),
    agentId: text('agent_id').notNull(),
    runtimeId: text('runtime_id').notNull(),
    sessionId: text('session_id').notNull(),
    // The cumulative usage the CLI last reported for this session (Codex reports totals per thread).
    usage: json('usage'),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('agent_sessions_key').on(t.realmId, t.agentId, t.runtimeId)],
);

// Every server process on this database, with a heartbeat.
export const instances = sqliteTable('instances', {
  id: text('id').primaryKey(),
  pid: integer('pid').notNull(),
  host: text('host').notNull(),
  startedAt: text('started_at').notNull(),
  heartbeatAt: text('heartbeat_at').notNull(),
});

// Named leases (the pulse scheduler's): one holder until expiry.
export const leases = sqliteTable('leases', {
  name: text('name').primaryKey(),
  holder: text('holder').notNull(),
  expiresAt: text('expires_at').notNull(),
});

export const pulseConfigs = sqliteTable(
  'pulse_configs',
  {
    ord: ord(),
    realmId: text('realm_id').notNull(),
    agentId: text('agent_id').notNull(),
    cron: text('cron').notNull(),
    timezone: text('timezone').notNull(),
    enabled: integer('enabled', { mode: 'boolean' }).notNull(),
    contextMode: text('context_mode').notNull(),
    runtimeId: text('runtime_id'),
    timeoutSecs: integer('timeout_secs'),
    maxRetries: integer('max_retries').notNull(),
    skipWhenIdle: integer('skip_when_idle', { mode: 'boolean' }).notNull(),
    version: integer('version').notNull(),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('pulse_configs_key').on(t.realmId, t.agentId)],
);

// Pulse runs. A cron slot is claimed by inserting (realm, agent, scheduled_for): one instance wins each slot.
export const pulseRuns = sqliteTable(
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
    uniqueIndex('pulse_runs_slot').on(t.realmId, t.agentId, t.scheduledFor).where(sql`scheduled_for IS NOT NULL`),
    index('pulse_runs_agent').on(t.realmId, t.agentId, t.ord),
    index('pulse_runs_retry').on(t.nextAttemptAt).where(sql`next_attempt_at IS NOT NULL`),
  ],
);

// Claimed cron slots: a tick inserts (realm, agent, scheduled_for) first; whoever inserts it owns the slot,
// so a slot fires (or is skipped) once however many processes schedule it.
export const pulseSlots = sqliteTable(
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

// API tokens for the HTTP transport. Global, like instances and leases: a token need not belong to a realm.
// Only a SHA-256 of the secret part is kept.
export const tokens = sqliteTable(
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
  // A realm's tokens go when the realm is deleted.
  (t) => [index('tokens_realm').on(t.realmId)],
);
