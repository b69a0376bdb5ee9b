// Issue 14, three instances on one PostgreSQL database (real --http processes, several MCP clients each): the
// hard parts that must hold across instances. 1,000 concurrent checkouts of 100 missions give 100 winners;
// claim-next hands every mission out once; hundreds of concurrent audited writes give one chain, without gaps
// or forks. What the tools answered is checked against the rows.
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nameOf, startCluster, type Cluster } from '../helpers/cluster.js';

const INSTANCES = 3;
const CLIENTS_PER_INSTANCE = 5;

let cluster: Cluster;
/** Every client of every instance, interleaved: clients[k] is on instance k % 3. */
let clients: { client: Client; instance: number }[] = [];

beforeAll(async () => {
  cluster = await startCluster(Array.from({ length: INSTANCES }, () => 'http' as const));
  for (let k = 0; k < CLIENTS_PER_INSTANCE; k++) {
    for (const instance of cluster.instances) clients.push({ client: (await instance.connect()).client, instance: instance.index });
  }
}, 120_000);
afterAll(async () => {
  await cluster?.close();
});

type Outcome = { ok: true; value: any; instance: number } | { ok: false; error: { code: string; details: any }; instance: number };

/** A tool call that may fail; its answer either way, and which instance gave it. */
async function attempt(k: number, name: string, args: Record<string, unknown>): Promise<Outcome> {
  const { client, instance } = clients[k % clients.length]!;
  const result = await client.callTool({ name, arguments: args });
  const text = (result.content as { text: string }[])[0]!.text;
  return result.isError ? { ok: false, error: JSON.parse(text).error, instance } : { ok: true, value: result.structuredContent, instance };
}

/** The realm's audit chain as stored: seq 1..n with no gap, each entry on the one before it, the head on the last. */
async function expectOneChain(realmId: string) {
  const rows = await cluster.sql<{ seq: string; prev_hash: string; hash: string }>('SELECT seq, prev_hash, hash FROM audit_entries WHERE realm_id = $1 ORDER BY seq, ord', [realmId]);
  expect(rows.map((r) => Number(r.seq))).toEqual(rows.map((_, i) => i + 1));
  for (let i = 1; i < rows.length; i++) expect(rows[i]!.prev_hash, `entry ${i + 1} continues entry ${i}`).toBe(rows[i - 1]!.hash);
  const [head] = await cluster.sql<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_heads WHERE realm_id = $1', [realmId]);
  expect({ seq: Number(head!.seq), hash: head!.hash }).toEqual({ seq: rows.length, hash: rows.at(-1)!.hash });
  for (const instance of cluster.instances) expect(await instance.call('council_verify', { realmId }), `council_verify on ${nameOf(instance.index)}`).toMatchObject({ valid: true });
  return rows.length;
}

describe('three instances on one PostgreSQL database', () => {
  it('1,000 concurrent checkouts of 100 missions from all three give 100 winners and no double assignment', async () => {
    const MISSIONS = 100;
    const TRIES = 10;
    const AGENTS = 20;
    const a = cluster.instances[0]!;
    const realmId = (await a.call('realm_create', { name: 'checkouts', owner: 'o' })).id;
    for (let i = 0; i < AGENTS; i++) await cluster.instances[i % INSTANCES]!.call('hierarchy_set', { realmId, agentId: `agent-${i}` });
    const missions: string[] = [];
    for (let m = 0; m < MISSIONS; m += 25) {
      const made = await Promise.all(Array.from({ length: 25 }, (_, k) => attempt(m + k, 'mission_create', { realmId, title: `m${m + k}`, createdBy: 'o' })));
      missions.push(...made.map((o) => (o.ok ? o.value.id : expect.fail(JSON.stringify(o)))));
    }
    const auditBefore = await expectOneChain(realmId);

    // Each mission is tried by 10 different agents, through clients of all three instances, all at once.
    const tries = missions.flatMap((id, m) => Array.from({ length: TRIES }, (_, t) => ({ id, agentId: `agent-${(m + t) % AGENTS}` })));
    const outcomes = await Promise.all(tries.map((t, k) => attempt(k * 7, 'mission_checkout', { realmId, id: t.id, agentId: t.agentId }).then((o) => ({ ...t, ...o }))));
    expect(outcomes).toHaveLength(MISSIONS * TRIES);

    const winners = outcomes.filter((o) => o.ok);
    expect(winners).toHaveLength(MISSIONS);
    expect(new Set(winners.map((w) => w.id)).size).toBe(MISSIONS);
    // Every instance had winners: the race was run across all three, not settled by one.
    expect(new Set(winners.map((w) => w.instance)).size).toBe(INSTANCES);
    const winnerOf = new Map(winners.map((w) => [w.id, w.agentId]));
    for (const w of winners) expect(w.ok && w.value).toMatchObject({ id: w.id, assigneeId: w.agentId, status: 'active', fence: 1 });
    // The 900 losers were told who holds it (the winner), as on SQLite: one that read the mission before the
    // winner's UPDATE and then matched nothing was run again by the store and met the holder.
    const losers = outcomes.filter((x) => !x.ok);
    for (const o of losers) expect(o.ok || o.error).toMatchObject({ code: 'conflict', details: { holderId: winnerOf.get(o.id), status: 'active' } });

    // The database agrees with the answers.
    const rows = await cluster.sql<{ id: string; assignee_id: string; status: string; fence: string }>('SELECT id, assignee_id, status, fence FROM missions WHERE realm_id = $1', [realmId]);
    expect(rows).toHaveLength(MISSIONS);
    for (const row of rows) expect({ ...row, fence: Number(row.fence) }).toEqual({ id: row.id, assignee_id: winnerOf.get(row.id), status: 'active', fence: 1 });
    const checkedOut = await cluster.sql<{ entity_id: string }>("SELECT entity_id FROM audit_entries WHERE realm_id = $1 AND action = 'checked_out'", [realmId]);
    expect(checkedOut.map((r) => r.entity_id).sort()).toEqual([...missions].sort());
    expect(await expectOneChain(realmId)).toBe(auditBefore + MISSIONS);
  }, 180_000);

  it('mission_claim_next from all three instances, several agents each, hands every mission out exactly once', async () => {
    const MISSIONS = 150;
    const AGENTS = 12;
    const realmId = (await cluster.instances[1]!.call('realm_create', { name: 'claims', owner: 'o' })).id;
    for (let i = 0; i < AGENTS; i++) await cluster.instances[i % INSTANCES]!.call('hierarchy_set', { realmId, agentId: `agent-${i}` });
    for (let m = 0; m < MISSIONS; m += 25) {
      const made = await Promise.all(Array.from({ length: 25 }, (_, k) => attempt(m + k, 'mission_create', { realmId, title: `m${m + k}`, createdBy: 'o', status: 'queued' })));
      expect(made.every((o) => o.ok)).toBe(true);
    }
    // Each agent claims until nothing is left, through its own client: agent i on instance i % 3.
    const claims = await Promise.all(
      Array.from({ length: AGENTS }, async (_, i) => {
        const mine: { missionId: string; agentId: string; fence: number; instance: number }[] = [];
        for (;;) {
          const o = await attempt(i, 'mission_claim_next', { realmId, agentId: `agent-${i}` });
          if (!o.ok) expect.fail(`claim by agent-${i}: ${JSON.stringify(o.error)}`);
          if (o.value.mission === null) return mine;
          mine.push({ missionId: o.value.mission.id, agentId: `agent-${i}`, fence: o.value.mission.fence, instance: o.instance });
        }
      }),
    );
    const all = claims.flat();
    expect(all).toHaveLength(MISSIONS);
    expect(new Set(all.map((c) => c.missionId)).size).toBe(MISSIONS);
    expect(all.every((c) => c.fence === 1)).toBe(true);
    expect(new Set(all.map((c) => c.instance)).size).toBe(INSTANCES);
    const rows = await cluster.sql<{ id: string; assignee_id: string; status: string }>('SELECT id, assignee_id, status FROM missions WHERE realm_id = $1', [realmId]);
    const byId = new Map(all.map((c) => [c.missionId, c.agentId]));
    expect(rows).toHaveLength(MISSIONS);
    for (const row of rows) expect(row).toEqual({ id: row.id, assignee_id: byId.get(row.id), status: 'active' });
    await expectOneChain(realmId);
  }, 180_000);

  it('hundreds of concurrent audited writes from all three instances give one valid chain, without gaps or forks', async () => {
    const WRITES = 450;
    const realmId = (await cluster.instances[2]!.call('realm_create', { name: 'audit', owner: 'o' })).id;
    await cluster.instances[0]!.call('hierarchy_set', { realmId, agentId: 'agent-a' });
    const mission = (await cluster.instances[1]!.call('mission_create', { realmId, title: 'talked about', createdBy: 'o' })).id;
    const before = await expectOneChain(realmId);
    // Three kinds of audited write, spread over every client of every instance, all at once.
    const writes = Array.from({ length: WRITES }, (_, k) =>
      k % 3 === 0
        ? attempt(k, 'mission_create', { realmId, title: `w${k}`, createdBy: 'o' })
        : k % 3 === 1
          ? attempt(k, 'mission_comment', { realmId, missionId: mission, authorId: 'agent-a', body: `c${k}` })
          : attempt(k, 'directive_create', { realmId, title: `d${k}`, level: 'realm' }),
    );
    const outcomes = await Promise.all(writes);
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
    expect(new Set(outcomes.map((o) => o.instance)).size).toBe(INSTANCES);
    expect(await expectOneChain(realmId)).toBe(before + WRITES);
  }, 180_000);
});
