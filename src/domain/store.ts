// The port the domain needs from a store. Implementations live in src/db/ (SQLite now, PostgreSQL later).
//
// A unit of work is a generator over a Tx. Each repository call is a `Step`, used with `yield*`:
//   const mission = yield* tx.missions.get(realmId, id);
// A SQLite store's steps never yield, so the whole body runs synchronously inside one IMMEDIATE transaction
// (better-sqlite3 forbids awaiting inside a transaction). A PostgreSQL store's steps yield their query promises
// and the store resumes the body with each result. The domain code is the same for both engines.
import type { StoredAuditEntry } from './audit/model.js';
import type { ChainStretch } from './audit/chain-verifier.js';
import type { Run, Runtime, RuntimeKind } from './bridge/model.js';
import type { PulseConfig, PulseRun } from './pulse/model.js';
import type { Proposal, ProposalKind, ProposalStatus } from './council/model.js';
import type { Budget, Grouping, Spend } from './ledger/model.js';
import type { Directive, DirectiveLevel, DirectiveStatus, Priority } from './directive/model.js';
import type { Node } from './hierarchy/model.js';
import type { Comment, Mission, MissionStatus } from './mission/model.js';
import type { Realm, RealmStatus } from './realm/model.js';
import type { StoredToken } from './tokens/model.js';

export type Step<T> = Generator<Promise<unknown>, T, unknown>;
export type Work<T> = (tx: Tx) => Step<T>;

/** A committed change, announced on the bus after the transaction commits (and seen by other processes). */
export interface Announcement {
  topic: string;
  realmId: string | null;
  payload: Record<string, unknown>;
  /** When another process committed it (set on announcements read from the change feed). */
  committedAt?: string;
}

export interface Store {
  /** Runs a read-check-write unit of work in one IMMEDIATE transaction. */
  write<T>(work: Work<T>): Promise<T>;
  /** Runs a read-only unit of work on one consistent snapshot. */
  read<T>(work: Work<T>): Promise<T>;
  /** Called after every commit with what the unit of work announced. */
  onCommit(listener: (announcements: Announcement[]) => void): () => void;
  /**
   * Calls `listener` with what other processes sharing this database committed, soon after they commit
   * (SQLite: polling PRAGMA data_version and reading the changes table; PostgreSQL: LISTEN/NOTIFY).
   */
  watchOtherProcesses(listener: (announcements: Announcement[]) => void): () => void;
  /**
   * Checks the realm's chain from `fromSeq` to `toSeq` off the event loop, in consecutive stretches checked at
   * once (SQLite on a file: worker processes, each reading with its own connection); joinStretches gives the
   * verdict. Absent, or null for a call it would not speed up (a short range, an in-memory database): verify
   * walks AuditRepo.links itself.
   */
  checkChain?(realmId: string, fromSeq: number, toSeq: number): Promise<ChainStretch[] | null>;
  /** Whether the database answers, and how many of this build's migrations it has (for readiness checks). */
  health(): Promise<{ migrations: { applied: number; expected: number } }>;
  /** Ends the store's connections (PostgreSQL's asynchronously). */
  close(): void | Promise<void>;
}

/** A sort key, in the order of the list's ORDER BY; the last element is always `ord`. */
export type SortKey = (string | number)[];
export interface Keyed<T> {
  record: T;
  key: SortKey;
}
export interface PageQuery {
  after: SortKey | null;
  limit: number;
}

export interface Tx {
  realms: RealmRepo;
  nodes: NodeRepo;
  directives: DirectiveRepo;
  missions: MissionRepo;
  missionBlockers: MissionBlockerRepo;
  comments: CommentRepo;
  audit: AuditRepo;
  ledger: LedgerRepo;
  proposals: ProposalRepo;
  runtimes: RuntimeRepo;
  runs: RunRepo;
  sessions: SessionRepo;
  pulses: PulseRepo;
  processes: ProcessRepo;
  realmData: RealmDataRepo;
  tokens: TokenRepo;
  idempotency: IdempotencyRepo;
  /** Records a change for the change feed and the bus; published only if the transaction commits. */
  announce(announcement: Announcement): void;
}

export interface RealmRepo {
  get(id: string): Step<Realm | null>;
  insert(realm: Realm): Step<void>;
  /** Compare-and-swap: applies the patch and bumps the version only if the stored version is `version`. */
  update(id: string, version: number, patch: Partial<Realm>): Step<Realm | null>;
  page(query: PageQuery & { status?: RealmStatus }): Step<Keyed<Realm>[]>;
  /**
   * Holds the realm's row until the unit of work ends, so that units that count and then insert in the realm
   * (the runaway caps, maxAgents) run one after another where writers do not exclude each other (PostgreSQL:
   * SELECT ... FOR UPDATE). A no-op on SQLite, whose IMMEDIATE transactions already run one at a time.
   */
  lock(id: string): Step<void>;
  /** Rows per status in each area of the realm, counted by the store. */
  statusCounts(realmId: string): Step<Record<'nodes' | 'directives' | 'missions' | 'proposals', Record<string, number>>>;
}

/**
 * Whether the agent has a running bridge run (liveness busy), read with the node by an indexed probe; only for
 * an agent that has sent a heartbeat (false for the others, whose liveness is null whatever runs they have).
 */
export interface Running {
  running: boolean;
}

/**
 * A node as the org chart shows it: the columns hierarchy_tree needs (liveness included), nothing else. Entries
 * with equal capabilities may share one array: treat it as read-only.
 */
export type OrgEntry = Pick<Node, 'agentId' | 'reportsTo' | 'title' | 'capabilities' | 'rank' | 'status' | 'heartbeatAt' | 'heartbeatState' | 'failedAt' | 'region'> & Running;

/** What liveness is derived from, for one agent: its heartbeat columns and whether it has a running bridge run. */
export type Beat = Pick<Node, 'agentId' | 'heartbeatAt' | 'heartbeatState' | 'failedAt'> & Running;

export interface NodeRepo {
  get(realmId: string, agentId: string): Step<Node | null>;
  /** Every node of the realm, rank desc then agentId. */
  all(realmId: string): Step<Node[]>;
  /**
   * From the agent up to its root, one indexed lookup per level (never the whole org); stops before an agent
   * it already passed (a stored cycle). Empty when the agent is not in the realm.
   */
  chain(realmId: string, agentId: string): Step<Node[]>;
  /** The manager's direct reports, rank desc then agentId. */
  reports(realmId: string, managerId: string): Step<Node[]>;
  /**
   * Nodes that are not terminated and have the capability (compared as stored: lower case; null: any), rank
   * desc then agentId; with `underAgentId`, only that agent and everyone under it. Each with `running`.
   */
  find(realmId: string, capability: string | null, underAgentId: string | null): Step<(Node & Running)[]>;
  /** The whole org, or the subtree under `rootAgentId` (itself included), rank desc then agentId. */
  org(realmId: string, rootAgentId: string | null): Step<OrgEntry[]>;
  countLive(realmId: string): Step<number>;
  /** Every node of the realm that is not terminated, with what its liveness is derived from (for counts). */
  beats(realmId: string): Step<Beat[]>;
  /**
   * Records what an agent says of itself (no version bump: a heartbeat is not an edit of the node). Returns
   * the node after it, or null when the agent is not in the realm.
   */
  heartbeat(realmId: string, agentId: string, beat: Pick<Node, 'heartbeatAt' | 'heartbeatState' | 'load' | 'region' | 'agentVersion'>): Step<Node | null>;
  /** Records a failure of the agent (a failed or lost run): liveness `failed` until its next heartbeat. */
  markFailed(realmId: string, agentId: string, at: string): Step<void>;
  insert(node: Node): Step<void>;
  update(realmId: string, agentId: string, version: number, patch: Partial<Node>): Step<Node | null>;
  delete(realmId: string, agentId: string): Step<void>;
}

export interface DirectiveFilter {
  level?: DirectiveLevel;
  status?: DirectiveStatus;
  parentId?: string;
  ownerAgentId?: string;
}

export interface DirectiveRepo {
  get(realmId: string, id: string): Step<Directive | null>;
  insert(directive: Directive): Step<void>;
  update(realmId: string, id: string, version: number, patch: Partial<Directive>): Step<Directive | null>;
  page(realmId: string, query: PageQuery & DirectiveFilter): Step<Keyed<Directive>[]>;
  ownedBy(realmId: string, agentId: string): Step<Directive[]>;
  /** Every directive of the realm, priority then age. */
  all(realmId: string): Step<Directive[]>;
}

export interface MissionFilter {
  status?: MissionStatus;
  assigneeId?: string;
  directiveId?: string;
  priority?: Priority;
}

export interface MissionRepo {
  get(realmId: string, id: string): Step<Mission | null>;
  insert(mission: Mission): Step<void>;
  update(realmId: string, id: string, version: number, patch: Partial<Mission>): Step<Mission | null>;
  page(realmId: string, query: PageQuery & MissionFilter): Step<Keyed<Mission>[]>;
  assignedTo(realmId: string, agentId: string, statuses: readonly MissionStatus[]): Step<Mission[]>;
  /** Missions in these statuses, priority then age, at most `limit`. */
  inStatuses(realmId: string, statuses: readonly MissionStatus[], limit: number): Step<Mission[]>;
  /**
   * Moves the lease of every active mission the agent holds to `expiresAt` (no version bump: a renewal is not
   * an edit); returns how many.
   */
  renewLeases(realmId: string, agentId: string, expiresAt: string): Step<number>;
  /** Moves every expiring lease of the realm's active missions to `expiresAt` (a resumed realm's); returns how many. */
  extendLeases(realmId: string, expiresAt: string): Step<number>;
  /** How many missions of every realm are in each status (for metrics). */
  countByStatus(): Step<{ status: MissionStatus; count: number }[]>;
  /**
   * Claim-next in one conditional UPDATE: the first queued, unassigned mission of the realm that is due
   * (retryAt null or past), whose required capabilities the agent all has and whose blockers are all complete,
   * by priority, then region (`region` first, no region next, others last), then age; made active for the
   * agent with fence + 1 and the lease. Null when none fits.
   */
  claimNext(claim: { realmId: string; agentId: string; region: string | null; now: string; leaseExpiresAt: string | null }): Step<Mission | null>;
  /**
   * What the agent could claim at `now`, in the order claimNext would hand it out (capabilities, blockers and
   * retry time as claimNext checks them), at most `limit`.
   */
  takeable(query: { realmId: string; agentId: string; region: string | null; now: string; limit: number }): Step<Mission[]>;
  /** Active missions of active realms whose lease ran out before `now`, oldest lease first, at most `limit`. */
  leaseExpired(now: string, limit: number): Step<Mission[]>;
  /**
   * The realm's queued, active and failed missions counted by status and priority; queued ones split into
   * retrying (retryAt after `now`) and waiting on an incomplete blocker. `oldest` is the earliest createdAt.
   */
  queueCounts(realmId: string, now: string): Step<QueueCount[]>;
}

export interface QueueCount {
  status: MissionStatus;
  priority: Priority;
  retrying: boolean;
  waiting: boolean;
  count: number;
  oldest: string;
}

/** Which missions block which: rows derived from missions.blockedBy, kept in step by every write of it. */
export interface MissionBlockerRepo {
  /** Replaces the mission's blocker rows with these (the mission's blockedBy). */
  set(realmId: string, missionId: string, blockerIds: readonly string[]): Step<void>;
  /**
   * The loop that making `missionId` wait for one of `candidates` would close: [missionId, candidate, ...,
   * missionId], each blocked by the next, or null when no candidate waits on missionId, directly or through
   * others. Walks from the candidates to what blocks them (by index, each blocker edge followed once).
   */
  loopThrough(realmId: string, missionId: string, candidates: readonly string[]): Step<string[] | null>;
}

export interface CommentRepo {
  insert(comment: Comment & { realmId: string }): Step<void>;
  page(realmId: string, missionId: string, query: PageQuery): Step<Keyed<Comment>[]>;
}

export interface AuditHead {
  seq: number;
  hash: string;
}

/**
 * What verify needs of an entry: the links of the chain, and `input`, the exact text its hash covers, which is
 * hashInput(entry) byte for byte (as a string, or as its UTF-8 bytes). A store may build it in SQL, where
 * that is cheaper than handing every field over (test/domain/audit-canonical.test.ts holds it to hashInput).
 */
export interface ChainLink {
  seq: number;
  prevHash: string;
  hash: string;
  input: string | Uint8Array;
}

export interface AuditRepo {
  head(realmId: string): Step<AuditHead | null>;
  /** Inserts the entry and moves the realm's head to it. */
  append(entry: StoredAuditEntry): Step<void>;
  /** Entries by seq, from `fromSeq`, at most `limit`. */
  range(realmId: string, fromSeq: number, limit: number): Step<StoredAuditEntry[]>;
  /**
   * The same entries as `range`, as verify checks them (ChainLink), handed to `visit` one at a time until it
   * returns false, with no array in between (verify walks a million this way). `visit` must not use the
   * store (the read is still open) nor keep the link.
   */
  links(realmId: string, fromSeq: number, limit: number, visit: (link: ChainLink) => boolean): Step<void>;
  archive(realmId: string, sourceRealmId: string, entries: (StoredAuditEntry & { redacted: boolean })[]): Step<void>;
  /** Newest first: entries with seq < before, matching the filters. */
  log(realmId: string, query: { before?: number; action?: string; entityId?: string; actorId?: string; limit: number }): Step<StoredAuditEntry[]>;
}

export interface BudgetAlertState {
  level: string | null;
  period: string | null;
}

export interface SummaryRow {
  key: string | null;
  units: number;
  inputTokens: number;
  outputTokens: number;
  events: number;
}

export interface LedgerRepo {
  /** The agent's budget, or with agentId null the realm's own. */
  budget(realmId: string, agentId: string | null): Step<Budget | null>;
  budgets(realmId: string): Step<Budget[]>;
  insertBudget(budget: Budget): Step<void>;
  updateBudget(id: string, version: number, patch: Partial<Budget>): Step<Budget | null>;
  deleteBudget(realmId: string, agentId: string): Step<number>;
  alertState(budgetId: string): Step<BudgetAlertState>;
  setAlertState(budgetId: string, state: BudgetAlertState): Step<void>;
  spendByEvent(realmId: string, eventId: string): Step<Spend | null>;
  /** Inserts the spend row (costCents stored as `units`). */
  insertSpend(spend: Spend, units: number): Step<void>;
  addToTotal(realmId: string, agentId: string, period: string, units: number): Step<void>;
  total(realmId: string, agentId: string, period: string): Step<number>;
  /** Spend grouped in the store, over [since, until). */
  summary(realmId: string, groupBy: Grouping, since: string, until: string): Step<SummaryRow[]>;
}

export interface ProposalFilter {
  status?: ProposalStatus;
  kind?: ProposalKind;
}

export interface ProposalRepo {
  get(realmId: string, id: string): Step<Proposal | null>;
  insert(proposal: Proposal): Step<void>;
  update(realmId: string, id: string, version: number, patch: Partial<Proposal>): Step<Proposal | null>;
  page(realmId: string, query: PageQuery & ProposalFilter): Step<Keyed<Proposal>[]>;
  pending(realmId: string): Step<Proposal[]>;
}

/**
 * The per-realm table registry, seen from the domain: every section of a realm's data by name, so that
 * delete, export and import cover tables added later without changes to those functions.
 */
export interface RealmDataRepo {
  /** The exportable sections, in dependency order. */
  sections(): readonly string[];
  dump(realmId: string, section: string): Step<Record<string, unknown>[]>;
  load(realmId: string, section: string, records: Record<string, unknown>[]): Step<void>;
  /** Deletes every row of the realm in every table (the realm row last); returns the count per table. */
  deleteAll(realmId: string): Step<Record<string, number>>;
}

export interface RuntimeRepo {
  get(id: string): Step<Runtime | null>;
  insert(runtime: Runtime): Step<void>;
  /** With realmId: that realm's runtimes and the global ones. */
  page(query: PageQuery & { realmId?: string; kind?: RuntimeKind }): Step<Keyed<Runtime>[]>;
}

/** A run's process, for stopping it from another process or after its owner died. */
export interface RunProcess {
  pid: number | null;
  processStart: string | null;
}

export interface RunRepo {
  get(id: string): Step<Run | null>;
  insert(run: Run): Step<void>;
  /** Applies the patch only while the run is running: a run finishes, times out or is cancelled once. */
  finish(id: string, patch: Partial<Run>): Step<Run | null>;
  setProcess(id: string, process: RunProcess): Step<void>;
  process(id: string): Step<RunProcess>;
  requestCancel(id: string): Step<void>;
  /** Of these running runs, the ones someone asked to cancel. */
  cancelRequested(ids: string[]): Step<string[]>;
  /** Running runs whose owner is not among the live instances. */
  orphaned(liveInstanceIds: string[]): Step<Run[]>;
  runningFor(realmId: string, agentId: string): Step<Run[]>;
  runningInRealm(realmId: string): Step<Run[]>;
  /** The realm's latest `limit` runs of any status, newest started first (through the realm's started index). */
  recent(realmId: string, limit: number): Step<Run[]>;
  /** The realm's running runs, only what the runaway guards count them by (through the status index). */
  running(realmId: string): Step<RunningRun[]>;
  /** How many of the realm's runs started at or after `since`: all, the agent's, or the runtime's. */
  startedSince(realmId: string, since: string, scope: { agentId?: string; runtimeId?: string }): Step<number>;
  /** Records a runaway guard crossing once per (realm, scope, scopeId, kind, window); false when it was already. */
  recordCrossing(crossing: GuardCrossing): Step<boolean>;
}

export type RunningRun = Pick<Run, 'id' | 'agentId' | 'runtimeId' | 'startedAt'>;

export interface GuardCrossing {
  realmId: string;
  scope: string;
  scopeId: string;
  kind: string;
  window: string;
  createdAt: string;
}

export interface StoredSession {
  sessionId: string;
  usage: unknown;
}

export interface SessionRepo {
  get(realmId: string, agentId: string, runtimeId: string): Step<StoredSession | null>;
  set(realmId: string, agentId: string, runtimeId: string, session: StoredSession, at: string): Step<void>;
  clear(realmId: string, agentId: string, runtimeId: string): Step<void>;
}

export interface PulseRepo {
  config(realmId: string, agentId: string): Step<PulseConfig | null>;
  enabledConfigs(): Step<PulseConfig[]>;
  configs(realmId: string): Step<PulseConfig[]>;
  insertConfig(config: PulseConfig): Step<void>;
  updateConfig(realmId: string, agentId: string, version: number, patch: Partial<PulseConfig>): Step<PulseConfig | null>;
  deleteConfig(realmId: string, agentId: string): Step<void>;
  /** Inserts the run; a cron run whose (realm, agent, scheduledFor) slot is taken is not inserted (false). */
  insertRun(run: PulseRun & { scheduledFor: string | null }): Step<boolean>;
  updateRun(id: string, patch: Partial<PulseRun>): Step<PulseRun | null>;
  run(id: string): Step<PulseRun | null>;
  latestRun(realmId: string, agentId: string): Step<PulseRun | null>;
  runs(realmId: string, agentId: string, limit: number): Step<PulseRun[]>;
  /** Failed attempts whose retry time has come. */
  dueRetries(now: string): Step<PulseRun[]>;
  /** Takes a due retry (clears its nextAttemptAt) if no other process took it first. */
  claimRetry(id: string): Step<PulseRun | null>;
  /** Claims a cron slot; false when another process already has it. */
  claimSlot(realmId: string, agentId: string, scheduledFor: string, instanceId: string): Step<boolean>;
  runningFor(realmId: string, agentId: string): Step<PulseRun[]>;
  deadLetters(realmId: string, limit: number): Step<PulseRun[]>;
}

/** API tokens (global: a token may span realms). */
export interface TokenRepo {
  insert(token: StoredToken): Step<void>;
  get(id: string): Step<StoredToken | null>;
  all(): Step<StoredToken[]>;
  revoke(id: string, at: string): Step<void>;
}

/** Server processes sharing this database, and the leases they hold. */
export interface ProcessRepo {
  register(instance: { id: string; pid: number; host: string; at: string }): Step<void>;
  heartbeat(id: string, at: string): Step<void>;
  remove(id: string): Step<void>;
  /** Instances whose heartbeat is at or after `since`. */
  live(since: string): Step<string[]>;
  /** Takes or renews a lease; true if `holder` holds it until `expiresAt`. */
  lease(name: string, holder: string, now: string, expiresAt: string): Step<boolean>;
  releaseLease(name: string, holder: string): Step<void>;
}

/** A call made with an idempotency key: pending while it runs, then done with its result (src/domain/idempotency.ts). */
export interface IdempotencyRecord {
  /** '' for calls outside a realm (realm_create, a global runtime). */
  realmId: string;
  key: string;
  function: string;
  inputHash: string;
  state: 'pending' | 'done';
  result: unknown;
  /** When it was reserved (or last renewed while pending); also the holder's token for complete and release. */
  createdAt: string;
}

export interface IdempotencyRepo {
  /** Inserts the pending row unless (realmId, key) has one (INSERT ... ON CONFLICT DO NOTHING); whether it did. */
  reserve(row: IdempotencyRecord): Step<boolean>;
  /** Deletes the kept realm_create answers that made this realm (they live under realm ''). */
  forgetRealm(realmId: string): Step<void>;
  get(realmId: string, key: string): Step<IdempotencyRecord | null>;
  /** Puts `row` in place of the row created at `createdAt` (expired, or pending and abandoned); whether that row was still there. */
  replace(createdAt: string, row: IdempotencyRecord): Step<boolean>;
  /** Moves a pending row's createdAt from `createdAt` to `at` (its holder still runs); whether it was still held. */
  renew(realmId: string, key: string, createdAt: string, at: string): Step<boolean>;
  /** The held pending row becomes done with its result. */
  complete(realmId: string, key: string, createdAt: string, result: unknown): Step<void>;
  /** Deletes the held pending row (the call failed: errors are not kept). */
  release(realmId: string, key: string, createdAt: string): Step<void>;
  /** Deletes every row created before `before`; how many. */
  prune(before: string): Step<number>;
}
