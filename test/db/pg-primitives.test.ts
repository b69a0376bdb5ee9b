// The two statements the PostgreSQL store rests on, run through drizzle against a real server by concurrent
// pools (each pool standing for one instance): claim-next hands each row out once, a slot insert wins once.
import { and, asc, eq, sql } from 'drizzle-orm';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratePostgres } from '../../src/db/pg/migrate.js';
import { createPool } from '../../src/db/pg/pool.js';
import { auditEntries, changes, missions, pulseSlots, spendTotals } from '../../src/db/pg/schema.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

const INSTANCES = 3;
const WORKERS_PER_INSTANCE = 4;

let server: TestPostgres;
let url: string;
let pools: pg.Pool[] = [];
let dbs: NodePgDatabase[] = [];
beforeAll(async () => {
  server = await startPostgres();
  url = await server.createDatabase();
  await migratePostgres(url);
  pools = Array.from({ length: INSTANCES }, (_, i) => createPool(url, { max: WORKERS_PER_INSTANCE, applicationName: `instance-${i}` }));
  dbs = pools.map((pool) => drizzle(pool));
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await server?.stop();
});

const now = '2026-11-26T00:00:00.000Z';

describe('PostgreSQL primitives for several instances', () => {
  it('claim-next (UPDATE ... WHERE id = (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING) hands each mission to one worker', async () => {
    const realmId = 'realm-claims';
    const count = 300;
    await dbs[0]!.insert(missions).values(
      Array.from({ length: count }, (_, i) => ({
        id: `mission-${i}`,
        realmId,
        title: `m${i}`,
        status: 'todo',
        priority: i % 5,
        createdBy: 'test',
        requiredCapabilities: [],
        version: 1,
        createdAt: now,
        updatedAt: now,
      })),
    );
    // The sub-select is a scalar (`=`, not IN): PostgreSQL runs it once as an InitPlan. Under IN it may become
    // a join that runs it again, locking and handing out more rows than the LIMIT.
    const claimNext = (db: NodePgDatabase, worker: string) => {
      const next = db
        .select({ id: missions.id })
        .from(missions)
        .where(and(eq(missions.realmId, realmId), eq(missions.status, 'todo')))
        .orderBy(asc(missions.priority), asc(missions.createdAt), asc(missions.ord))
        .limit(1)
        .for('update', { skipLocked: true });
      return db
        .update(missions)
        .set({ status: 'in_progress', assigneeId: worker, fence: sql`${missions.fence} + 1`, version: sql`${missions.version} + 1` })
        .where(and(eq(missions.id, next), eq(missions.status, 'todo')))
        .returning({ id: missions.id, assigneeId: missions.assigneeId, fence: missions.fence });
    };
    // Each worker claims until it finds nothing claimable (SKIP LOCKED: rows another worker holds are passed over).
    const claimed: { id: string; assigneeId: string | null; fence: number }[] = [];
    const worker = async (db: NodePgDatabase, name: string) => {
      for (;;) {
        const rows = await claimNext(db, name);
        if (rows.length === 0) return;
        claimed.push(...rows);
      }
    };
    await Promise.all(dbs.flatMap((db, i) => Array.from({ length: WORKERS_PER_INSTANCE }, (_, w) => worker(db, `instance-${i}/worker-${w}`))));

    const ids = claimed.map((c) => c.id);
    expect(ids).toHaveLength(count);
    expect(new Set(ids).size).toBe(count);
    expect(claimed.every((c) => c.fence === 1)).toBe(true);
    // Several instances took part (not one pool winning everything), and the table agrees with what was returned.
    expect(new Set(claimed.map((c) => c.assigneeId!.split('/')[0])).size).toBe(INSTANCES);
    const rows = await dbs[0]!.select({ id: missions.id, status: missions.status, assigneeId: missions.assigneeId, fence: missions.fence }).from(missions).where(eq(missions.realmId, realmId));
    expect(rows.filter((r) => r.status !== 'in_progress')).toEqual([]);
    expect(Object.fromEntries(rows.map((r) => [r.id, r.assigneeId]))).toEqual(Object.fromEntries(claimed.map((c) => [c.id, c.assigneeId])));
  });

  it('INSERT ... ON CONFLICT DO NOTHING RETURNING gives each pulse slot to exactly one of many concurrent claimers', async () => {
    const slots = Array.from({ length: 40 }, (_, i) => `2026-11-26T00:00:${String(i).padStart(2, '0')}.000Z`);
    const claim = (db: NodePgDatabase, scheduledFor: string, claimedBy: string) =>
      db
        .insert(pulseSlots)
        .values({ realmId: 'realm-pulses', agentId: 'agent-1', scheduledFor, claimedBy })
        .onConflictDoNothing({ target: [pulseSlots.realmId, pulseSlots.agentId, pulseSlots.scheduledFor] })
        .returning({ scheduledFor: pulseSlots.scheduledFor, claimedBy: pulseSlots.claimedBy });
    // Every instance's every worker tries every slot at once.
    const attempts = slots.flatMap((slot) => dbs.flatMap((db, i) => Array.from({ length: WORKERS_PER_INSTANCE }, (_, w) => claim(db, slot, `instance-${i}/worker-${w}`))));
    const won = (await Promise.all(attempts)).flat();
    expect(attempts).toHaveLength(slots.length * INSTANCES * WORKERS_PER_INSTANCE);
    expect(won.map((w) => w.scheduledFor).sort()).toEqual(slots);
    const stored = await dbs[1]!.select({ scheduledFor: pulseSlots.scheduledFor, claimedBy: pulseSlots.claimedBy }).from(pulseSlots).orderBy(pulseSlots.scheduledFor);
    expect(stored).toEqual([...won].sort((a, b) => a.scheduledFor.localeCompare(b.scheduledFor)));
  });

  it('pooled connections carry the statement timeout: a statement running past it fails instead of hanging', async () => {
    const pool = createPool(url, { max: 1, statementTimeoutMs: 100, applicationName: 'timeouts' });
    try {
      await expect(pool.query('SELECT pg_sleep(5)')).rejects.toMatchObject({ code: '57014' });
      const { rows } = await pool.query<{ timeout: string; app: string }>("SELECT current_setting('statement_timeout') AS timeout, current_setting('application_name') AS app");
      expect(rows[0]).toEqual({ timeout: '100ms', app: 'timeouts' });
    } finally {
      await pool.end();
    }
  });
});

describe('PostgreSQL column kinds read back as the SQLite store reads them', () => {
  it('defaults in SQLite formats, bigints as numbers past 2^31, json as values, the hashed audit body byte for byte', async () => {
    const db = dbs[0]!;
    const [change] = await db.insert(changes).values({ topic: 't', payload: '{"b":1,  "a":2}' }).returning();
    // SQLite's default is strftime('%Y-%m-%dT%H:%M:%fZ','now'): the shape of Date.prototype.toISOString().
    expect(change!.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(new Date(change!.createdAt).toISOString()).toBe(change!.createdAt);
    expect(change!.origin).toBe('');
    expect(change!.payload).toBe('{"b":1,  "a":2}');

    const big = 2 ** 40 + 7;
    await db.insert(spendTotals).values({ realmId: 'realm-kinds', agentId: '', period: '2026-11', units: big });
    const [total] = await db.select({ units: spendTotals.units }).from(spendTotals).where(eq(spendTotals.realmId, 'realm-kinds'));
    expect(total!.units).toBe(big);

    await db.insert(missions).values({ id: 'mission-kinds', realmId: 'realm-kinds', title: 't', status: 'todo', priority: 1, createdBy: 'x', requiredCapabilities: ['a', 'b'], version: 1, createdAt: now, updatedAt: now });
    const [mission] = await db.select().from(missions).where(eq(missions.id, 'mission-kinds'));
    expect(mission).toMatchObject({ requiredCapabilities: ['a', 'b'], blockedBy: [], attempts: 0, fence: 0, ord: expect.any(Number) });

    const details = '{"z":1,"a":[1,2],"s":"\u00e9"}';
    const entry = { id: 'audit-1', realmId: 'realm-kinds', seq: 1, actorKind: 'system', actorId: 's', action: 'a', entityType: 'e', entityId: 'x', details, prevHash: '0', hash: 'h', timestamp: now };
    await db.insert(auditEntries).values(entry);
    const [stored] = await db.select({ details: auditEntries.details }).from(auditEntries).where(eq(auditEntries.id, 'audit-1'));
    expect(stored!.details).toBe(details);
  });
});
