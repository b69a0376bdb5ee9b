// A realm's data on PostgreSQL (src/db/pg/repos/realm-data.ts over src/db/pg/realm-tables.ts), on a real
// server: the registry is the SQLite one table for table, a section loaded is dumped back as it was given
// (in order, with what derives from it rebuilt), and deleting a realm removes its rows in every table and
// nobody else's, counting them.
import { getTableName, is } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratePostgres } from '../../src/db/pg/migrate.js';
import { createPool } from '../../src/db/pg/pool.js';
import { realmTables } from '../../src/db/pg/realm-tables.js';
import { runRepo, runtimeRepo } from '../../src/db/pg/repos/bridge.js';
import { pulseRepo } from '../../src/db/pg/repos/pulses.js';
import { realmDataRepo } from '../../src/db/pg/repos/realm-data.js';
import * as schema from '../../src/db/pg/schema.js';
import { inTransaction } from '../../src/db/pg/unit-of-work.js';
import { realmTables as sqliteRealmTables } from '../../src/db/sqlite/realm-tables.js';
import type { Runtime } from '../../src/domain/bridge/model.js';
import { defaultFleetSettings } from '../../src/domain/fleet/settings.js';
import { centsToUnits } from '../../src/domain/ledger/money.js';
import type { PulseRepo, RealmDataRepo, RunRepo, RuntimeRepo, Step } from '../../src/domain/store.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

interface Repos {
  realmData: RealmDataRepo;
  runtimes: RuntimeRepo;
  runs: RunRepo;
  pulses: PulseRepo;
}

let server: TestPostgres;
let pool: pg.Pool;
beforeAll(async () => {
  server = await startPostgres();
  const url = await server.createDatabase();
  await migratePostgres(url);
  pool = createPool(url, { max: 2 });
});
afterAll(async () => {
  await pool?.end();
  await server?.stop();
});

async function unit<T>(work: (tx: Repos) => Step<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await inTransaction(client, 'BEGIN', () => {
      const db = drizzle(client);
      return { realmData: realmDataRepo(db), runtimes: runtimeRepo(db), runs: runRepo(db), pulses: pulseRepo(db) };
    }, work);
  } finally {
    client.release();
  }
}

const at = '2026-11-26T00:00:00.000Z';

/** One realm's export sections, as the SQLite store's records. */
function sectionsOf(realmId: string) {
  const node = (agentId: string, reportsTo: string | null, capabilities: string[], rank: number) => ({
    agentId, realmId, reportsTo, title: agentId, capabilities, rank, status: 'active', runtimeId: null, heartbeatAt: null, heartbeatState: null, load: null,
    region: null, agentVersion: null, failedAt: null, version: 1, createdAt: at, updatedAt: at,
  });
  const mission = (id: string, blockedBy: string[]) => ({
    id, realmId, directiveId: null, parentId: null, title: id, description: null, status: 'queued', priority: 'high', assigneeId: null, createdBy: 'ceo',
    billingCode: null, requiredCapabilities: ['code'], blockedBy, region: null, attempts: 0, maxAttempts: null, retryAt: null, lastError: null, fence: 0,
    leaseExpiresAt: null, version: 1, startedAt: null, completedAt: null, createdAt: at, updatedAt: at,
  });
  const spend = (id: string, agentId: string, costCents: number, timestamp: string) => ({
    id, realmId, agentId, costCents, provider: 'anthropic', model: 'm', inputTokens: 100, outputTokens: 10, missionId: null, runId: null, billingCode: null,
    eventId: null, timestamp,
  });
  return {
    realm: [{ id: realmId, name: realmId, description: null, status: 'active', owner: 'o', defaultModel: null, maxAgents: 5, metadata: { k: [1] }, fleet: defaultFleetSettings, version: 3, createdAt: at, updatedAt: at }],
    nodes: [node('ceo', null, ['plan', 'code'], 10), node('dev', 'ceo', ['code'], 1)],
    directives: [],
    missions: [mission(`${realmId}-m1`, []), mission(`${realmId}-m2`, [`${realmId}-m1`])],
    comments: [{ id: `${realmId}-c1`, missionId: `${realmId}-m1`, authorId: 'dev', body: 'on it', createdAt: at }],
    budgets: [{ id: `${realmId}-b1`, realmId, agentId: null, monthlyCents: 10000, softThreshold: 0.8, hardLimit: true, billingCode: null, version: 1, updatedAt: at }],
    spend: [spend(`${realmId}-s1`, 'dev', 1.5, '2026-11-02T10:00:00.000Z'), spend(`${realmId}-s2`, 'dev', 2.25, '2026-11-03T10:00:00.000Z'), spend(`${realmId}-s3`, 'ceo', 1, '2026-10-30T10:00:00.000Z')],
    proposals: [],
    runtimes: [{ id: `${realmId}-rt`, realmId, kind: 'process', name: 'rt', command: 'node', args: [], url: null, headers: null, envVars: null, inheritEnv: [], workDir: null, timeoutSecs: 60, model: null, connectControlPlane: false, permissions: null, version: 1, createdAt: at } satisfies Runtime],
    pulses: [{ realmId, agentId: 'dev', cron: '0 * * * *', timezone: 'UTC', enabled: true, contextMode: 'thin', runtimeId: null, timeoutSecs: null, maxRetries: 1, skipWhenIdle: false, version: 1, createdAt: at, updatedAt: at }],
  } as Record<string, Record<string, unknown>[]>;
}

const rows = async <T>(query: string) => (await pool.query(query)).rows as T[];

describe('the PostgreSQL realm-table registry', () => {
  it('is the SQLite one: the same tables in the same order, with the same sections and rebuilds', () => {
    const shape = (t: { name: string; section: string | null; toRecord?: unknown; toRow?: unknown; afterLoad?: unknown }) => [t.name, t.section, !!t.toRecord, !!t.toRow, !!t.afterLoad];
    expect(realmTables.map(shape)).toEqual(sqliteRealmTables.map(shape));
  });

  it('lists every PostgreSQL table that holds realm data, the realm first', () => {
    const tables = Object.values(schema as Record<string, unknown>).filter((t): t is PgTable => is(t, PgTable));
    const holding = tables.filter((t) => getTableName(t) === 'realms' || getTableConfig(t).columns.some((c) => c.name === 'realm_id')).map(getTableName);
    expect(realmTables.map((t) => t.name).sort()).toEqual(holding.sort());
    expect(realmTables[0]!.name).toBe('realms');
    for (const t of realmTables) expect(getTableName(t.table)).toBe(t.name);
  });
});

describe('realm data on PostgreSQL', () => {
  it('loads each section and dumps it back as given, in order, rebuilding what derives from it', async () => {
    const given = sectionsOf('realm-load');
    const sections = await unit(function* (tx) {
      for (const s of tx.realmData.sections()) yield* tx.realmData.load('realm-load', s, given[s]!);
      return tx.realmData.sections();
    });
    expect(sections).toEqual(['realm', 'nodes', 'directives', 'missions', 'comments', 'budgets', 'spend', 'proposals', 'runtimes', 'pulses']);
    const dumped = await unit(function* (tx) {
      const out: Record<string, unknown[]> = {};
      for (const s of sections) out[s] = yield* tx.realmData.dump('realm-load', s);
      return out;
    });
    expect(dumped).toEqual(given);

    // Derived data, rebuilt after the load: the capability index, the blocker rows, the spend totals and roll-ups.
    expect(await rows("SELECT capability, agent_id FROM node_capabilities WHERE realm_id = 'realm-load' ORDER BY 1, 2")).toEqual([
      { capability: 'code', agent_id: 'ceo' },
      { capability: 'code', agent_id: 'dev' },
      { capability: 'plan', agent_id: 'ceo' },
    ]);
    expect(await rows("SELECT mission_id, blocker_id FROM mission_blockers WHERE realm_id = 'realm-load'")).toEqual([{ mission_id: 'realm-load-m2', blocker_id: 'realm-load-m1' }]);
    expect(await rows("SELECT agent_id, period, units::float8 AS units FROM spend_totals WHERE realm_id = 'realm-load' ORDER BY 1, 2")).toEqual([
      { agent_id: '', period: '2026-10', units: centsToUnits(1) },
      { agent_id: '', period: '2026-11', units: centsToUnits(1.5 + 2.25) },
      { agent_id: 'ceo', period: '2026-10', units: centsToUnits(1) },
      { agent_id: 'dev', period: '2026-11', units: centsToUnits(1.5 + 2.25) },
    ]);
    expect(await rows("SELECT day, key, events::int FROM spend_rollups WHERE realm_id = 'realm-load' AND grouping = 'agent' ORDER BY 1, 2")).toEqual([
      { day: '2026-10-30', key: 'ceo', events: 1 },
      { day: '2026-11-02', key: 'dev', events: 1 },
      { day: '2026-11-03', key: 'dev', events: 1 },
    ]);
    expect(await rows("SELECT day, key FROM spend_rollups WHERE realm_id = 'realm-load' AND grouping = 'mission' ORDER BY 1")).toEqual([
      { day: '2026-10-30', key: '' },
      { day: '2026-11-02', key: '' },
      { day: '2026-11-03', key: '' },
    ]);
  });

  it('loads a section larger than one INSERT batch in the order given', async () => {
    // Ids that sort against the order given: the dump follows insertion (ord), not the id.
    const comments = Array.from({ length: 450 }, (_, i) => ({ id: `c-${String(1000 - i)}`, missionId: 'm', authorId: 'a', body: `#${i}`, createdAt: at }));
    await unit((tx) => tx.realmData.load('realm-batch', 'comments', comments));
    expect(await unit((tx) => tx.realmData.dump('realm-batch', 'comments'))).toEqual(comments);
  });

  it('refuses a section no table holds', async () => {
    await expect(unit((tx) => tx.realmData.dump('realm-load', 'nonsense'))).rejects.toThrow('no table holds the section nonsense');
  });

  it("deletes every row of the realm in every table, counted per table, and nobody else's", async () => {
    const mine = sectionsOf('realm-gone');
    const theirs = sectionsOf('realm-kept');
    await unit(function* (tx) {
      for (const s of tx.realmData.sections()) {
        yield* tx.realmData.load('realm-gone', s, mine[s]!);
        yield* tx.realmData.load('realm-kept', s, theirs[s]!);
      }
      // Rows of tables that are not sections: a bridge run, a global runtime (no realm: never deleted with one).
      yield* tx.runs.insert({
        id: 'run-gone', runtimeId: 'realm-gone-rt', realmId: 'realm-gone', agentId: 'dev', missionId: null, status: 'running', output: null, outputTruncated: false,
        error: null, stderrTruncated: false, exitCode: null, signal: null, sessionId: null, usage: null, costCents: null, provider: null, model: null,
        permissionDenials: null, ownerInstanceId: 'i', startedAt: at, finishedAt: null,
      });
      yield* tx.runtimes.insert({ ...(mine.runtimes![0] as Runtime), id: 'global-rt', realmId: null });
    });
    const counts = await unit((tx) => tx.realmData.deleteAll('realm-gone'));
    expect(Object.keys(counts)).toEqual(realmTables.map((t) => t.name).reverse());
    expect(Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0))).toEqual({
      realms: 1, nodes: 2, node_capabilities: 3, missions: 2, mission_blockers: 1, comments: 1, budgets: 1, spend: 3, spend_totals: 4, spend_rollups: 15,
      runtimes: 1, pulse_configs: 1, bridge_runs: 1,
    });
    expect(Object.values(counts).every((n) => typeof n === 'number')).toBe(true);

    const left = await unit(function* (tx) {
      const out: Record<string, number> = {};
      for (const s of tx.realmData.sections()) out[s] = (yield* tx.realmData.dump('realm-gone', s)).length;
      return out;
    });
    expect(Object.values(left).every((n) => n === 0)).toBe(true);
    for (const t of realmTables) {
      const [row] = await rows<{ n: number }>(`SELECT count(*)::int AS n FROM ${t.name} WHERE ${getTableConfig(t.table).columns.find((c) => c === t.realmColumn)!.name} = 'realm-gone'`);
      expect([t.name, row!.n]).toEqual([t.name, 0]);
    }
    // The other realm is whole, and the global runtime is still there.
    expect(await unit((tx) => tx.realmData.dump('realm-kept', 'missions'))).toEqual(theirs.missions);
    expect((await unit((tx) => tx.runtimes.get('global-rt')))?.realmId).toBeNull();
  });
});
