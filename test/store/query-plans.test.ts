// Every statement the SQLite repositories run is planned by SQLite here (EXPLAIN QUERY PLAN, on a migrated
// database) and must not scan a whole table: lists and lookups go through an index, so their cost follows the
// rows they answer, not the size of the database. The plans are written to __snapshots__/query-plans.md for
// a reader; a new repository method must be added to `calls` below, or the test fails.
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrateDatabase, openDatabase } from '../../src/db/connection.js';
import { auditRepo } from '../../src/db/sqlite/repos/audit.js';
import { runRepo, runtimeRepo, sessionRepo } from '../../src/db/sqlite/repos/bridge.js';
import { commentRepo } from '../../src/db/sqlite/repos/comments.js';
import { directiveRepo } from '../../src/db/sqlite/repos/directives.js';
import { idempotencyRepo } from '../../src/db/sqlite/repos/idempotency.js';
import { ledgerRepo } from '../../src/db/sqlite/repos/ledger.js';
import { missionBlockerRepo } from '../../src/db/sqlite/repos/mission-blockers.js';
import { missionRepo } from '../../src/db/sqlite/repos/missions.js';
import { nodeRepo } from '../../src/db/sqlite/repos/nodes.js';
import { proposalRepo } from '../../src/db/sqlite/repos/proposals.js';
import { processRepo, pulseRepo } from '../../src/db/sqlite/repos/pulses.js';
import { realmDataRepo } from '../../src/db/sqlite/repos/realm-data.js';
import { realmRepo } from '../../src/db/sqlite/repos/realms.js';
import { tokenRepo } from '../../src/db/sqlite/repos/tokens.js';
import type { Db } from '../../src/db/sqlite/repos/shared.js';
import type { Database } from '../../src/db/sqlite/driver.js';
import { silentNode } from '../../src/domain/hierarchy/model.js';
import { tempDb } from '../helpers/processes.js';

const R = 'realm-plans';
const A = 'agent-plans';
const T = '2026-11-15T12:00:00.000Z';
const node = { agentId: A, realmId: R, reportsTo: null, title: null, capabilities: ['eng'], rank: 1, status: 'active', runtimeId: null, ...silentNode, version: 1, createdAt: T, updatedAt: T };
const spend = {
  id: 'spn-1', realmId: R, agentId: A, costCents: 1, provider: 'p', model: 'm', inputTokens: 1, outputTokens: 1,
  missionId: null, runId: null, billingCode: null, eventId: null, timestamp: T,
};
const page = { after: null, limit: 10 };

/** A plain INSERT ... VALUES (or an upsert on a unique key) has no plan worth showing. */
const insertOnly = 'plain insert';

// Each repository method with the arguments to run it with (several lists: each variant of its SQL).
const calls: Record<string, Record<string, unknown[][] | typeof insertOnly>> = {
  realms: {
    get: [[R]],
    insert: insertOnly,
    update: [[R, 1, { name: 'x' }]],
    page: [[page], [{ status: 'active', after: [5], limit: 10 }]],
    statusCounts: [[R]],
    lock: [[R]],
  },
  nodes: {
    get: [[R, A]],
    all: [[R]],
    chain: [[R, A]],
    reports: [[R, A]],
    find: [[R, 'eng', null], [R, 'eng', A], [R, null, null], [R, null, A]],
    org: [[R, null], [R, A]],
    countLive: [[R]],
    beats: [[R]],
    heartbeat: [[R, A, { heartbeatAt: T, heartbeatState: 'ready', load: 0.5, region: 'eu', agentVersion: '1' }]],
    markFailed: [[R, A, T]],
    insert: [[node]],
    update: [[R, A, 1, { capabilities: ['ops'], updatedAt: T }]],
    delete: [[R, A]],
  },
  directives: {
    get: [[R, 'dir-1']],
    insert: insertOnly,
    update: [[R, 'dir-1', 1, { title: 'x' }]],
    page: [[R, page], [R, { status: 'active', level: 'goal', after: [1, T, 3], limit: 10 }], [R, { parentId: 'dir-0', ...page }], [R, { ownerAgentId: A, ...page }]],
    ownedBy: [[R, A]],
    all: [[R]],
  },
  missions: {
    get: [[R, 'msn-1']],
    insert: insertOnly,
    update: [[R, 'msn-1', 1, { title: 'x' }]],
    page: [
      [R, page],
      [R, { status: 'queued', ...page }],
      [R, { status: 'queued', after: [2, T, 7], limit: 10 }],
      [R, { assigneeId: A, ...page }],
      [R, { directiveId: 'dir-1', ...page }],
      [R, { priority: 'high', ...page }],
    ],
    assignedTo: [[R, A, ['active', 'blocked', 'review']]],
    inStatuses: [[R, ['queued'], 10], [R, ['active', 'review'], 10]],
    renewLeases: [[R, A, T]],
    extendLeases: [[R, T]],
    countByStatus: [[]],
    takeable: [[{ realmId: R, agentId: A, region: 'eu', now: T, limit: 10 }]],
    claimNext: [[{ realmId: R, agentId: A, region: 'eu', now: T, leaseExpiresAt: null }]],
    leaseExpired: [[T, 100]],
    queueCounts: [[R, T]],
  },
  missionBlockers: {
    set: [[R, 'msn-1', ['msn-2', 'msn-3']]],
    loopThrough: [[R, 'msn-1', ['msn-2']]],
  },
  comments: {
    insert: insertOnly,
    page: [[R, 'msn-1', page], [R, 'msn-1', { after: [4], limit: 10 }]],
  },
  audit: {
    head: [[R]],
    append: insertOnly,
    range: [[R, 1, 100]],
    links: [[R, 1, 100, () => true]],
    archive: insertOnly,
    log: [
      [R, { limit: 10 }],
      [R, { before: 50, limit: 10 }],
      [R, { action: 'created', limit: 10 }],
      [R, { entityId: 'msn-1', limit: 10 }],
      [R, { actorId: A, limit: 10 }],
      [R, { actorId: A, before: 50, limit: 10 }],
    ],
  },
  ledger: {
    budget: [[R, A], [R, null]],
    budgets: [[R]],
    insertBudget: insertOnly,
    updateBudget: [['bgt-1', 1, { monthlyCents: 5 }]],
    deleteBudget: [[R, A]],
    alertState: [['bgt-1']],
    setAlertState: [['bgt-1', { level: null, period: null }]],
    spendByEvent: [[R, 'evt-1']],
    insertSpend: [[spend, 100]],
    addToTotal: insertOnly,
    total: [[R, A, '2026-11']],
    // A whole month (roll-ups only), and a window with partial days at both edges (roll-ups and rows).
    summary: [[R, 'agent', '2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z'], [R, 'mission', '2026-11-01T06:00:00.000Z', '2026-11-20T18:00:00.000Z']],
  },
  proposals: {
    get: [[R, 'prp-1']],
    insert: insertOnly,
    update: [[R, 'prp-1', 1, { status: 'approved' }]],
    page: [[R, page], [R, { status: 'pending', ...page }], [R, { kind: 'hire_agent', after: [9], limit: 10 }]],
    pending: [[R]],
  },
  realmData: {
    sections: [[]],
    dump: [[R, 'realm'], [R, 'nodes'], [R, 'directives'], [R, 'missions'], [R, 'comments'], [R, 'budgets'], [R, 'spend'], [R, 'proposals'], [R, 'runtimes'], [R, 'pulses']],
    // Loading runs the rebuild of derived data (capabilities, mission blockers, spend totals and roll-ups).
    load: [[R, 'nodes', []], [R, 'missions', []], [R, 'spend', []]],
    deleteAll: [[R]],
  },
  runtimes: {
    get: [['rt-1']],
    insert: insertOnly,
    page: [[page], [{ realmId: R, kind: 'cli', after: [3], limit: 10 }]],
  },
  runs: {
    get: [['run-1']],
    insert: insertOnly,
    finish: [['run-1', { status: 'succeeded' }]],
    setProcess: [['run-1', { pid: 1, processStart: null }]],
    process: [['run-1']],
    requestCancel: [['run-1']],
    cancelRequested: [[['run-1', 'run-2']]],
    orphaned: [[['inst-1']]],
    runningFor: [[R, A]],
    runningInRealm: [[R]],
    recent: [[R, 20]],
    running: [[R]],
    startedSince: [[R, T, {}], [R, T, { agentId: A }], [R, T, { runtimeId: 'rt-1' }]],
    recordCrossing: insertOnly,
  },
  sessions: {
    get: [[R, A, 'rt-1']],
    set: [[R, A, 'rt-1', { sessionId: 's', usage: null }, T]],
    clear: [[R, A, 'rt-1']],
  },
  pulses: {
    config: [[R, A]],
    enabledConfigs: [[]],
    configs: [[R]],
    insertConfig: insertOnly,
    updateConfig: [[R, A, 1, { enabled: false }]],
    deleteConfig: [[R, A]],
    insertRun: insertOnly,
    updateRun: [['pr-1', { status: 'succeeded' }]],
    run: [['pr-1']],
    latestRun: [[R, A]],
    runs: [[R, A, 10]],
    dueRetries: [[T]],
    claimRetry: [['pr-1']],
    claimSlot: insertOnly,
    runningFor: [[R, A]],
    deadLetters: [[R, 10]],
  },
  processes: {
    register: insertOnly,
    heartbeat: [['inst-1', T]],
    remove: [['inst-1']],
    live: [[T]],
    lease: [['scheduler', 'inst-1', T, T]],
    releaseLease: [['scheduler', 'inst-1']],
  },
  tokens: {
    insert: insertOnly,
    get: [['tok-1']],
    all: [[]],
    revoke: [['tok-1', T]],
  },
  idempotency: {
    reserve: insertOnly,
    forgetRealm: [[R]],
    get: [[R, 'key-1']],
    replace: [[T, { realmId: R, key: 'key-1', function: 'mission_create', inputHash: 'h', state: 'pending', result: null, createdAt: T }]],
    renew: [[R, 'key-1', T, T]],
    complete: [[R, 'key-1', T, { id: 'msn-1' }]],
    release: [[R, 'key-1', T]],
    prune: [[T]],
  },
};

// Whole-table reads that are right as they are ("method table"), each with why.
const allowedScans: Record<string, string> = {
  'realms.page realms': 'the realms of the database, newest first: walks the primary key backwards and stops at LIMIT',
  'runtimes.page runtimes': 'without a realm, every runtime newest first: walks the primary key backwards and stops at LIMIT',
  'pulses.enabledConfigs pulse_configs': 'the scheduler loads every enabled schedule of every realm, at start and on changes',
  'processes.live instances': 'one row per server process on this database',
  'tokens.all tokens': 'every API token, for the operator\'s token list: tokens are few and global',
  'realmData.deleteAll changes': 'the change feed keeps minutes of rows (pruned by age), and an index on it would cost every write',
};

const repos = (db: Db & { $client: Database }) => ({
  realms: realmRepo(db), nodes: nodeRepo(db), directives: directiveRepo(db), missions: missionRepo(db), missionBlockers: missionBlockerRepo(db), comments: commentRepo(db),
  audit: auditRepo(db), ledger: ledgerRepo(db), proposals: proposalRepo(db), realmData: realmDataRepo(db), runtimes: runtimeRepo(db),
  runs: runRepo(db), sessions: sessionRepo(db), pulses: pulseRepo(db), processes: processRepo(db), tokens: tokenRepo(db),
  idempotency: idempotencyRepo(db),
});

interface Ran {
  sql: string;
  args: unknown[];
}

/** Opens a migrated database whose driver records every statement run (and the arguments it ran with). */
function recordingDatabase() {
  const { db } = openDatabase(tempDb());
  migrateDatabase(db);
  let ran: Ran[] = [];
  const prepare = db.prepare.bind(db);
  const runners = new Set(['all', 'get', 'run', 'iterate']);
  db.prepare = ((source: string) => {
    const statement = prepare(source);
    const proxy: typeof statement = new Proxy(statement, {
      get(target, property) {
        const value = Reflect.get(target, property, target);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (runners.has(property as string)) ran.push({ sql: source, args });
          const result = value.apply(target, args);
          return result === target ? proxy : result; // raw(), pluck() ... chain on the proxy
        };
      },
    });
    return proxy;
  }) as typeof db.prepare;
  return { db, take: () => [ran, (ran = [])][0] as Ran[], explain: (sql: string) => prepare(`EXPLAIN QUERY PLAN ${sql}`) };
}

/** Runs a repository call: a step (a SQLite step never yields), or a plain function like realmData.sections. */
const drain = (step: unknown) => {
  if (!(step instanceof Object) || !('next' in step)) return;
  const steps = step as Generator<unknown, unknown, unknown>;
  for (let r = steps.next(); !r.done; r = steps.next());
};

/** The plan as an indented tree, one line per step. */
function plan(explain: ReturnType<typeof recordingDatabase>['explain'], { sql, args }: Ran): string[] {
  const rows = explain(sql).all(...args) as { id: number; parent: number; detail: string }[];
  const depth = new Map<number, number>([[0, 0]]);
  return rows.map((r) => {
    const d = (depth.get(r.parent) ?? 0) + 1;
    depth.set(r.id, d);
    return `${'  '.repeat(d)}${r.detail}`;
  });
}

describe('query plans of the SQLite repositories', () => {
  const { db, take, explain } = recordingDatabase();
  const tables = new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]);
  const fullScan = (line: string) => {
    const scan = /^\s*SCAN (\S+)(.*)$/.exec(line);
    return scan !== null && tables.has(scan[1]!) && !/USING (COVERING )?INDEX|USING INTEGER PRIMARY KEY/.test(scan[2]!);
  };
  const built = repos(drizzle(db));
  take(); // statements prepared while building the repositories ran nothing

  it('lists every repository method, so a new query cannot skip this check', () => {
    for (const [name, repo] of Object.entries(built)) {
      const methods = Object.keys(repo).filter((k) => typeof (repo as unknown as Record<string, unknown>)[k] === 'function').sort();
      expect([name, methods]).toEqual([name, Object.keys(calls[name] ?? {}).sort()]);
    }
  });

  it('plans no full table scan (the plans are in __snapshots__/query-plans.md)', async () => {
    const report: string[] = ['# Query plans of the SQLite repositories', '', 'Written by test/store/query-plans.test.ts (`npx vitest run test/store/query-plans.test.ts -u`).', ''];
    const scans: string[] = [];
    for (const [name, methods] of Object.entries(calls)) {
      for (const [method, variants] of Object.entries(methods)) {
        if (variants === insertOnly) continue;
        const id = `${name}.${method}`;
        for (const args of variants) {
          const repo = (built as unknown as Record<string, Record<string, (...a: unknown[]) => unknown>>)[name]!;
          drain(repo[method]!(...args));
          for (const ran of take()) {
            const lines = plan(explain, ran);
            if (lines.length === 0) continue;
            report.push(`## ${id}`, '', '```sql', ran.sql.replace(/\s+/g, ' ').trim(), '```', '', '```', ...lines, '```', '');
            for (const line of lines.filter(fullScan)) {
              if (!allowedScans[`${id} ${/SCAN (\S+)/.exec(line)![1]}`]) scans.push(`${id}: ${line.trim()} in ${ran.sql}`);
            }
          }
        }
      }
    }
    report.push('## Whole-table reads allowed, and why', '', ...Object.entries(allowedScans).map(([id, why]) => `- ${id}: ${why}`), '');
    await expect(report.join('\n')).toMatchFileSnapshot('./__snapshots__/query-plans.md');
    expect(scans).toEqual([]);
  });
});
