// The ledger repository on a real PostgreSQL: budgets with their partial unique indexes, alert state, spend by
// event, and totals that concurrent spends from several pools (each standing for one instance) add to exactly;
// summaries equal SQLite's for the same spends over any window (whole days from the roll-ups, edges from rows).
import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { auditRepo } from '../../src/db/pg/repos/audit.js';
import { ledgerRepo, rebuildTotals } from '../../src/db/pg/repos/ledger.js';
import type { PgDb } from '../../src/db/pg/repos/shared.js';
import { inTransaction } from '../../src/db/pg/unit-of-work.js';
import { appendAudit } from '../../src/domain/audit/chain.js';
import { verifyChain } from '../../src/domain/audit/verify.js';
import type { Clock } from '../../src/domain/clock.js';
import { REALM_TOTAL } from '../../src/domain/ledger/check.js';
import { groupings, type Budget, type Spend } from '../../src/domain/ledger/model.js';
import { centsToUnits } from '../../src/domain/ledger/money.js';
import { localAdmin } from '../../src/domain/principal.js';
import type { Store, Tx, Work } from '../../src/domain/store.js';
import { instancePools } from '../helpers/pg-pools.js';

const INSTANCES = 3;
const WORKERS_PER_INSTANCE = 4;

const pools = instancePools(INSTANCES, WORKERS_PER_INSTANCE);

const makeTx = (client: pg.PoolClient, writes: boolean) => () =>
  ({
    ledger: ledgerRepo(drizzle(client)),
    audit: auditRepo(drizzle(client), writes ? 'write' : 'read'),
    realms: { *get(id: string) { return { id, status: 'active' }; } },
    announce() {},
  }) as unknown as Tx;
async function run<T>(pool: pg.Pool, begin: string, work: Work<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await inTransaction(client, begin, makeTx(client, begin === 'BEGIN'), work);
  } finally {
    client.release();
  }
}
const write = <T>(work: Work<T>, pool = pools[0]!) => run(pool, 'BEGIN', work);
const read = <T>(work: Work<T>, pool = pools[0]!) => run(pool, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', work);
const clock: Clock = { now: () => new Date('2026-11-20T12:00:00.000Z') };

function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const budget = (realmId: string, agentId: string | null, monthlyCents = 1000): Budget => ({
  id: `bgt-${realmId}-${agentId ?? 'realm'}`,
  realmId,
  agentId,
  monthlyCents,
  softThreshold: 0.8,
  hardLimit: agentId === null,
  billingCode: agentId ? `code-${agentId}` : null,
  version: 1,
  updatedAt: '2026-11-20T00:00:00.000Z',
});

let spendCount = 0;
const spendOf = (realmId: string, fields: Partial<Spend> & { costCents: number; timestamp: string }): Spend => ({
  id: `spn-${++spendCount}`,
  realmId,
  agentId: 'agent-1',
  provider: 'anthropic',
  model: 'opus',
  inputTokens: 10,
  outputTokens: 20,
  missionId: null,
  runId: null,
  billingCode: null,
  eventId: null,
  ...fields,
});

describe('budgets', () => {
  const realmId = 'realm-budgets';
  it("finds the realm's own budget and each agent's, lists them in insertion order, and refuses a second of either", async () => {
    const own = budget(realmId, null);
    const a = budget(realmId, 'agent-a', 500);
    const b = budget(realmId, 'agent-b', 700);
    await write(function* (tx) {
      for (const x of [a, own, b]) yield* tx.ledger.insertBudget(x);
    });
    expect(await read((tx) => tx.ledger.budget(realmId, null))).toEqual(own);
    expect(await read((tx) => tx.ledger.budget(realmId, 'agent-b'))).toEqual(b);
    expect(await read((tx) => tx.ledger.budget(realmId, 'agent-c'))).toBeNull();
    expect(await read((tx) => tx.ledger.budget('realm-none', null))).toBeNull();
    expect(await read((tx) => tx.ledger.budgets(realmId))).toEqual([a, own, b]);
    expect(await read((tx) => tx.ledger.budgets('realm-none'))).toEqual([]);
    // The partial unique indexes: one budget per (realm, agent), and one realm budget (agent null) per realm.
    for (const again of [{ ...a, id: 'bgt-dup-agent' }, { ...own, id: 'bgt-dup-realm' }]) {
      await expect(write((tx) => tx.ledger.insertBudget(again))).rejects.toMatchObject({ cause: { code: '23505' } });
    }
    expect(await read((tx) => tx.ledger.budgets(realmId))).toHaveLength(3);
  });

  it('updates at the version read (compare-and-swap) and deletes an agent budget, counting rows', async () => {
    const a = (await read((tx) => tx.ledger.budget(realmId, 'agent-a')))!;
    const updated = await write((tx) => tx.ledger.updateBudget(a.id, a.version, { monthlyCents: 900, updatedAt: '2026-11-21T00:00:00.000Z' }));
    expect(updated).toEqual({ ...a, monthlyCents: 900, updatedAt: '2026-11-21T00:00:00.000Z', version: a.version + 1 });
    expect(await write((tx) => tx.ledger.updateBudget(a.id, a.version, { monthlyCents: 1 }))).toBeNull();
    expect(await write((tx) => tx.ledger.updateBudget('bgt-none', 1, { monthlyCents: 1 }))).toBeNull();
    expect(await write((tx) => tx.ledger.deleteBudget(realmId, 'agent-a'))).toBe(1);
    expect(await write((tx) => tx.ledger.deleteBudget(realmId, 'agent-a'))).toBe(0);
    expect((await read((tx) => tx.ledger.budgets(realmId))).map((x) => x.agentId)).toEqual([null, 'agent-b']);
  });

  it('keeps the alert state beside the budget, outside the record', async () => {
    const own = (await read((tx) => tx.ledger.budget(realmId, null)))!;
    expect(await read((tx) => tx.ledger.alertState(own.id))).toEqual({ level: null, period: null });
    expect(await read((tx) => tx.ledger.alertState('bgt-none'))).toEqual({ level: null, period: null });
    await write((tx) => tx.ledger.setAlertState(own.id, { level: 'warning', period: '2026-11' }));
    expect(await read((tx) => tx.ledger.alertState(own.id))).toEqual({ level: 'warning', period: '2026-11' });
    expect(await read((tx) => tx.ledger.budget(realmId, null))).toEqual(own);
  });
});

describe('spend', () => {
  it('is found by its event id, with its cents to four decimals; an event id is taken once per realm', async () => {
    const realmId = 'realm-events';
    const first = spendOf(realmId, { costCents: 12.3456, eventId: 'evt-1', missionId: 'mis-1', billingCode: 'b', runId: 'run-1', timestamp: '2026-11-20T10:00:00.000Z' });
    await write((tx) => tx.ledger.insertSpend(first, centsToUnits(first.costCents)));
    expect(await read((tx) => tx.ledger.spendByEvent(realmId, 'evt-1'))).toEqual(first);
    expect(await read((tx) => tx.ledger.spendByEvent(realmId, 'evt-2'))).toBeNull();
    expect(await read((tx) => tx.ledger.spendByEvent('realm-other', 'evt-1'))).toBeNull();
    const again = spendOf(realmId, { costCents: 1, eventId: 'evt-1', timestamp: '2026-11-20T10:00:00.000Z' });
    await expect(write((tx) => tx.ledger.insertSpend(again, centsToUnits(1)))).rejects.toMatchObject({ cause: { code: '23505' } });
    // Spends without an event id never collide (the index is partial).
    await write(function* (tx) {
      for (let i = 0; i < 2; i++) yield* tx.ledger.insertSpend(spendOf(realmId, { costCents: 1, timestamp: '2026-11-20T10:00:00.000Z' }), centsToUnits(1));
    });
    expect(await read((tx) => tx.ledger.summary(realmId, 'agent', '2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z'))).toEqual([
      { key: 'agent-1', units: centsToUnits(12.3456) + 2 * centsToUnits(1), inputTokens: 30, outputTokens: 60, events: 3 },
    ]);
  });

  it('adds concurrent spends from every instance to the totals and roll-ups exactly, none lost', async () => {
    const realmId = 'realm-busy';
    const perWorker = 12;
    const next = random(11);
    // Fractional cents with four decimals, as agents report them.
    const costs = Array.from({ length: INSTANCES * WORKERS_PER_INSTANCE * perWorker }, () => Math.round(next() * 1_000_000) / 10_000);
    const period = '2026-11';
    let at = 0;
    await Promise.all(
      pools.flatMap((pool, i) =>
        Array.from({ length: WORKERS_PER_INSTANCE }, async (_, w) => {
          for (let n = 0; n < perWorker; n++) {
            const costCents = costs[at++]!;
            const agentId = `agent-${(i + w + n) % 3}`;
            // What ledger::spend does in one unit: the row, both running totals, the audit entry.
            await write(function* (tx) {
              const units = centsToUnits(costCents);
              yield* tx.ledger.insertSpend(spendOf(realmId, { agentId, costCents, model: n % 2 ? 'opus' : 'haiku', timestamp: `2026-11-${String(18 + (n % 3)).padStart(2, '0')}T10:00:00.000Z` }), units);
              yield* tx.ledger.addToTotal(realmId, agentId, period, units);
              yield* tx.ledger.addToTotal(realmId, REALM_TOTAL, period, units);
              yield* appendAudit(tx, clock, { realmId, actor: { kind: 'agent', id: agentId }, action: 'spend_recorded', entityType: 'spend', entityId: `${i}/${w}/${n}` });
            }, pool);
          }
        }),
      ),
    );
    const expectedUnits = costs.reduce((sum, c) => sum + centsToUnits(c), 0);
    expect(await read((tx) => tx.ledger.total(realmId, REALM_TOTAL, period))).toBe(expectedUnits);
    const agents = await read(function* (tx) {
      const totals: number[] = [];
      for (let a = 0; a < 3; a++) totals.push(yield* tx.ledger.total(realmId, `agent-${a}`, period));
      return totals;
    });
    expect(agents.reduce((x, y) => x + y, 0)).toBe(expectedUnits);
    expect(await read((tx) => tx.ledger.total(realmId, 'agent-9', period))).toBe(0);
    expect(await read((tx) => tx.ledger.total(realmId, REALM_TOTAL, '2026-10'))).toBe(0);
    // Every grouping's roll-ups hold every spend once.
    for (const groupBy of groupings) {
      const rows = await read((tx) => tx.ledger.summary(realmId, groupBy, '2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z'));
      expect(rows.reduce((n, r) => n + r.units, 0)).toBe(expectedUnits);
      expect(rows.reduce((n, r) => n + r.events, 0)).toBe(costs.length);
    }
    const store = { read: <T>(work: Work<T>) => read(work, pools[2]) } as unknown as Store;
    expect(await verifyChain({ store, clock, principal: localAdmin }, { realmId })).toMatchObject({ valid: true, entryCount: costs.length });
  });
});

describe('summary', () => {
  it("equals SQLite's for the same spends over whole days, edge hours and windows inside one day, by every grouping", async () => {
    const realmId = 'realm-summary';
    const next = random(5);
    const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
    const time = () => new Date(Date.UTC(2026, 10, 17) + Math.floor(next() * 5 * 86_400_000)).toISOString();
    const spends = Array.from({ length: 200 }, () =>
      spendOf(realmId, {
        agentId: pick(['agent-a', 'agent-b', 'agent-c']),
        provider: pick(['anthropic', 'openai']),
        model: pick(['opus', 'haiku', 'gpt']),
        missionId: pick([null, 'mis-1', 'mis-2']),
        billingCode: pick([null, 'b-1']),
        costCents: Math.round(next() * 100_000) / 10_000,
        inputTokens: Math.floor(next() * 1000),
        outputTokens: Math.floor(next() * 1000),
        timestamp: time(),
      }),
    );
    const sqlite = createApp({ db: ':memory:', logger: pino({ level: 'silent' }), scheduler: false });
    try {
      const load: Work<void> = function* (tx) {
        for (const s of spends) yield* tx.ledger.insertSpend(s, centsToUnits(s.costCents));
      };
      await sqlite.store.write(load);
      await write(load);
      const windows: [string, string][] = [
        ['2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z'],
        ['2026-11-18T00:00:00.000Z', '2026-11-20T00:00:00.000Z'],
        ['2026-11-17T13:30:00.000Z', '2026-11-21T06:00:00.000Z'],
        ['2026-11-19T01:00:00.000Z', '2026-11-19T23:00:00.000Z'],
        ['2026-11-18T23:00:00.000Z', '2026-11-19T00:00:00.001Z'],
        ['2026-10-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z'],
        ...Array.from({ length: 6 }, () => [time(), time()].sort() as [string, string]),
      ];
      for (const [since, until] of windows) {
        for (const groupBy of groupings) {
          const summary: Work<unknown> = (tx) => tx.ledger.summary(realmId, groupBy, since, until);
          const expected = await sqlite.store.read(summary);
          expect(await read(summary), `${groupBy} over [${since}, ${until})`).toEqual(expected);
        }
      }
      expect(await read((tx) => tx.ledger.summary(realmId, 'model', '2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z'))).not.toEqual([]);
    } finally {
      await sqlite.close();
    }
  });

  it('is the same after the totals and roll-ups are rebuilt from the spend rows (what an import does)', async () => {
    const realmId = 'realm-summary';
    const window = ['2026-11-17T13:30:00.000Z', '2026-11-21T06:00:00.000Z'] as const;
    const before = await read(function* (tx) {
      const all = [];
      for (const g of groupings) all.push(yield* tx.ledger.summary(realmId, g, ...window));
      return all;
    });
    await pools[0]!.query('UPDATE spend_rollups SET units = 0 WHERE realm_id = $1', [realmId]);
    await pools[0]!.query('DELETE FROM spend_totals WHERE realm_id = $1', [realmId]);
    const client = await pools[0]!.connect();
    try {
      await inTransaction(client, 'BEGIN', () => drizzle(client) as PgDb, (db: PgDb) => rebuildTotals(db, realmId));
    } finally {
      client.release();
    }
    const after = await read(function* (tx) {
      const all = [];
      for (const g of groupings) all.push(yield* tx.ledger.summary(realmId, g, ...window));
      return all;
    });
    expect(after).toEqual(before);
    // The running totals are back too: each agent's and the realm's, per month, the sums of the spend rows.
    const { rows } = await pools[0]!.query<{ agent_id: string; units: string }>(
      "SELECT agent_id, sum(cost_units)::text AS units FROM spend WHERE realm_id = $1 GROUP BY agent_id UNION ALL SELECT '', sum(cost_units)::text FROM spend WHERE realm_id = $1",
      [realmId],
    );
    expect(rows).toHaveLength(4);
    for (const row of rows) expect(await read((tx) => tx.ledger.total(realmId, row.agent_id, '2026-11'))).toBe(Number(row.units));
  });
});
