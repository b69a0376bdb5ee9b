// Claim-next on SQLite reads in claim order through per-priority, per-region arms (src/db/claim-order.ts).
// Here its answers are checked against the order stated as one sorted query (priority, then the agent's
// region, none, other regions, then age), on random queues: regions, ties in age, capabilities, blockers,
// retry times and other statuses, for agents with and without a region.
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrateDatabase, openDatabase } from '../../src/db/connection.js';
import { missionBlockers, missions, nodeCapabilities } from '../../src/db/schema.js';
import { missionRepo } from '../../src/db/sqlite/repos/missions.js';
import { tempDb } from '../helpers/processes.js';

const R = 'realm-order';
const NOW = '2026-11-26T12:00:00.000Z';
const regions = [null, 'eu', 'us', 'ap'];
const statuses = ['queued', 'queued', 'queued', 'backlog', 'active', 'complete'];
const capabilities = ['go', 'sql', 'rust'];

/** A small deterministic generator (mulberry32), so that a failure can be replayed from its seed. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The order as one sorted statement: what the arms must agree with. */
const stated = `SELECT m.id FROM missions m WHERE m.realm_id = :realmId AND m.status = 'queued'
  AND (m.retry_at IS NULL OR m.retry_at <= :now)
  AND NOT EXISTS (SELECT 1 FROM json_each(m.required_capabilities) c
    WHERE NOT EXISTS (SELECT 1 FROM node_capabilities n WHERE n.realm_id = m.realm_id AND n.capability = c.value AND n.agent_id = :agentId))
  AND NOT EXISTS (SELECT 1 FROM mission_blockers b JOIN missions bm ON bm.realm_id = b.realm_id AND bm.id = b.blocker_id
    WHERE b.realm_id = m.realm_id AND b.mission_id = m.id AND bm.status <> 'complete')
  ORDER BY m.priority, CASE WHEN m.region = :region THEN 0 WHEN m.region IS NULL THEN 1 ELSE 2 END, m.created_at, m.ord LIMIT :limit`;

function queueOf(seed: number) {
  const { db: connection } = openDatabase(tempDb());
  migrateDatabase(connection);
  const db = drizzle(connection);
  const next = random(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
  const ids: string[] = [];
  for (let i = 0; i < 120; i++) {
    const id = `msn-${seed}-${i}`;
    db.insert(missions).values({
      id, realmId: i % 10 === 9 ? 'realm-other' : R, title: id, status: pick(statuses), priority: Math.floor(next() * 4), createdBy: 'test',
      requiredCapabilities: next() < 0.6 ? [] : [pick(capabilities)], region: pick(regions),
      retryAt: next() < 0.15 ? pick(['2026-11-26T11:00:00.000Z', '2026-11-26T13:00:00.000Z']) : null,
      version: 1, createdAt: `2026-11-26T10:0${Math.floor(next() * 3)}:00.000Z`, updatedAt: NOW,
    }).run();
    if (ids.length && next() < 0.1) db.insert(missionBlockers).values({ realmId: R, missionId: id, blockerId: pick(ids) }).run();
    ids.push(id);
  }
  // agent-a holds go and sql, agent-b nothing: the capability match is part of the order's filter.
  for (const capability of ['go', 'sql']) db.insert(nodeCapabilities).values({ realmId: R, capability, agentId: 'agent-a' }).run();
  const reference = connection.prepare(stated).pluck();
  const repo = missionRepo(db);
  const run = <T>(step: Generator<unknown, T>) => step.next().value as T;
  return { connection, reference, repo, run };
}

describe('claim order on SQLite', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`takeable and claim-next follow the stated order (random queue ${seed})`, () => {
      const { connection, reference, repo, run } = queueOf(seed);
      for (const agentId of ['agent-a', 'agent-b']) {
        for (const region of [null, 'eu', 'ap', 'nowhere']) {
          for (const limit of [1, 3, 1000]) {
            const expected = reference.all({ realmId: R, agentId, region, now: NOW, limit });
            const got = run(repo.takeable({ realmId: R, agentId, region, now: NOW, limit })).map((m) => m.id);
            expect(got, `${agentId} in ${region}, limit ${limit}`).toEqual(expected);
          }
        }
      }
      // Claims change the queue (blockers stay incomplete: claimed is not complete): each takes the first left.
      const claimed: string[] = [];
      for (let turn = 0; turn < 200; turn++) {
        const region = regions[turn % regions.length]!;
        const [expected = null] = reference.all({ realmId: R, agentId: 'agent-a', region, now: NOW, limit: 1 });
        const mission = run(repo.claimNext({ realmId: R, agentId: 'agent-a', region, now: NOW, leaseExpiresAt: null }));
        expect(mission?.id ?? null, `claim ${turn} in ${region}`).toBe(expected);
        if (!mission) break;
        claimed.push(mission.id);
      }
      expect(claimed.length).toBeGreaterThan(5);
      connection.close();
    });
  }
});
