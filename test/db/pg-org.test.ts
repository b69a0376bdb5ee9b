// The PostgreSQL store's realms, org chart, directives, comments and tokens against the SQLite store, which is
// the reference: every script runs on both engines and must give the same answer, and that answer is the
// one the port promises. The PostgreSQL database sorts text by an ICU locale (en-US), so an ordering that
// leaned on the database's collation instead of the columns' (COLLATE "C", as SQLite's BINARY) would differ.
import { drizzle as sqliteDrizzle } from 'drizzle-orm/better-sqlite3';
import { drizzle as pgDrizzle } from 'drizzle-orm/node-postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDatabase, openDatabase } from '../../src/db/connection.js';
import { commentRepo as pgComments } from '../../src/db/pg/repos/comments.js';
import { directiveRepo as pgDirectives } from '../../src/db/pg/repos/directives.js';
import { nodeRepo as pgNodes, rebuildCapabilities as pgRebuild } from '../../src/db/pg/repos/nodes.js';
import { realmRepo as pgRealms } from '../../src/db/pg/repos/realms.js';
import { tokenRepo as pgTokens } from '../../src/db/pg/repos/tokens.js';
import { inTransaction } from '../../src/db/pg/unit-of-work.js';
import type { Database } from '../../src/db/sqlite/driver.js';
import { commentRepo as sqliteComments } from '../../src/db/sqlite/repos/comments.js';
import { directiveRepo as sqliteDirectives } from '../../src/db/sqlite/repos/directives.js';
import { nodeRepo as sqliteNodes } from '../../src/db/sqlite/repos/nodes.js';
import { realmRepo as sqliteRealms } from '../../src/db/sqlite/repos/realms.js';
import { tokenRepo as sqliteTokens } from '../../src/db/sqlite/repos/tokens.js';
import type { Directive } from '../../src/domain/directive/model.js';
import type { Comment } from '../../src/domain/mission/model.js';
import { defaultFleetSettings } from '../../src/domain/fleet/settings.js';
import type { Node } from '../../src/domain/hierarchy/model.js';
import type { Realm } from '../../src/domain/realm/model.js';
import type { Beat, CommentRepo, DirectiveRepo, Keyed, NodeRepo, RealmRepo, SortKey, Step, TokenRepo } from '../../src/domain/store.js';
import { instancePools } from '../helpers/pg-pools.js';

interface OrgTx {
  realms: RealmRepo;
  nodes: NodeRepo;
  directives: DirectiveRepo;
  comments: CommentRepo;
  tokens: TokenRepo;
}
type Script<T> = (tx: OrgTx) => Step<T>;

const INSTANCES = 3;

const pools = instancePools(INSTANCES, 4, { icuLocale: 'en-US' });
let sqlite: Database;
beforeAll(() => {
  sqlite = openDatabase(':memory:').db;
  migrateDatabase(sqlite);
});
afterAll(() => sqlite?.close());

/** A unit of work on PostgreSQL: one pooled connection, one transaction, a Tx of the repositories tested here. */
async function onPg<T>(script: Script<T>, pool = pools[0]!): Promise<T> {
  const client = await pool.connect();
  try {
    const db = pgDrizzle(client);
    const tx = () => ({ realms: pgRealms(db), nodes: pgNodes(db), directives: pgDirectives(db), comments: pgComments(db), tokens: pgTokens(db) });
    return await inTransaction(client, 'BEGIN', tx, script);
  } finally {
    client.release();
  }
}

/** The same on SQLite: its steps never yield, so the script runs to its end in one transaction. */
function onSqlite<T>(script: Script<T>): T {
  const db = sqliteDrizzle(sqlite);
  const tx = { realms: sqliteRealms(db), nodes: sqliteNodes(db), directives: sqliteDirectives(db), comments: sqliteComments(db), tokens: sqliteTokens(db) };
  return sqlite.transaction(() => {
    const steps = script(tx);
    const next = steps.next();
    if (!next.done) throw new Error('a SQLite step yielded');
    return next.value;
  })();
}

/** Runs the script on both engines; the answers must be equal, and the PostgreSQL one is returned to assert on. */
async function both<T>(script: Script<T>): Promise<T> {
  const reference = onSqlite(script);
  const answer = await onPg(script);
  expect(answer).toEqual(reference);
  return answer;
}

/** The same raw SQL on both engines (fixtures outside these repositories: missions, bridge runs). */
async function exec(text: string) {
  sqlite.exec(text);
  await pools[0]!.query(text);
}

const at = (n: number) => `2026-11-26T00:00:${String(n).padStart(2, '0')}.000Z`;

const realm = (id: string, n: number, patch: Partial<Realm> = {}): Realm => ({
  id,
  name: `Realm ${id}`,
  description: null,
  status: 'active',
  owner: 'human:owner',
  defaultModel: null,
  maxAgents: null,
  metadata: { team: 'ops', n },
  fleet: defaultFleetSettings,
  version: 1,
  createdAt: at(n),
  updatedAt: at(n),
  ...patch,
});

const node = (realmId: string, agentId: string, reportsTo: string | null, rank: number, capabilities: string[], patch: Partial<Node> = {}): Node => ({
  agentId,
  realmId,
  reportsTo,
  title: `${agentId} title`,
  capabilities,
  rank,
  status: 'active',
  runtimeId: null,
  heartbeatAt: null,
  heartbeatState: null,
  load: null,
  region: null,
  agentVersion: null,
  failedAt: null,
  version: 1,
  createdAt: at(0),
  updatedAt: at(0),
  ...patch,
});

const ids = (nodes: { agentId: string }[]) => nodes.map((n) => n.agentId);

describe('realms on PostgreSQL, as on SQLite', () => {
  it('inserts, reads with the fleet settings merged, compares-and-swaps, and reads null for what is not there', async () => {
    await both(function* (tx) {
      yield* tx.realms.insert(realm('realm-a', 1));
    });
    const read = await both((tx) => tx.realms.get('realm-a'));
    expect(read).toEqual(realm('realm-a', 1));
    expect(await both((tx) => tx.realms.get('realm-missing'))).toBeNull();

    const updated = await both((tx) => tx.realms.update('realm-a', 1, { name: 'Renamed', metadata: null, updatedAt: at(9) }));
    expect(updated).toMatchObject({ name: 'Renamed', metadata: null, version: 2, updatedAt: at(9), description: null });
    // A stale version changes nothing.
    expect(await both((tx) => tx.realms.update('realm-a', 1, { name: 'Lost' }))).toBeNull();
    expect(await both((tx) => tx.realms.get('realm-a'))).toMatchObject({ name: 'Renamed', version: 2 });
    expect(await both((tx) => tx.realms.update('realm-missing', 1, { name: 'x' }))).toBeNull();
  });

  it('pages newest first, by status, with keyset cursors that continue where the last page ended', async () => {
    await both(function* (tx) {
      for (let i = 0; i < 7; i++) yield* tx.realms.insert(realm(`realm-page-${i}`, 10 + i, { status: i % 3 === 0 ? 'suspended' : 'active' }));
    });
    const walk = (status?: 'suspended') =>
      both(function* (tx) {
        const seen: string[] = [];
        let after: SortKey | null = null;
        for (;;) {
          const page: Keyed<Realm>[] = yield* tx.realms.page({ status, after, limit: 2 });
          if (page.length === 0) return seen;
          seen.push(...page.map((p) => p.record.id));
          after = page.at(-1)!.key;
        }
      });
    const suspended = await walk('suspended');
    expect(suspended).toEqual(['realm-page-6', 'realm-page-3', 'realm-page-0']);
    const all = await walk();
    expect(all.slice(0, 7)).toEqual(['realm-page-6', 'realm-page-5', 'realm-page-4', 'realm-page-3', 'realm-page-2', 'realm-page-1', 'realm-page-0']);
    expect(all).toHaveLength(8);
  });

  it('counts rows per status in every area as numbers, empty areas as {}', async () => {
    await both(function* (tx) {
      yield* tx.realms.insert(realm('realm-counts', 30));
      yield* tx.nodes.insert(node('realm-counts', 'a', null, 1, []));
      yield* tx.nodes.insert(node('realm-counts', 'b', 'a', 1, [], { status: 'paused' }));
      yield* tx.nodes.insert(node('realm-counts', 'c', 'a', 1, [], { status: 'paused' }));
    });
    await exec(`INSERT INTO missions (id, realm_id, title, status, priority, created_by, required_capabilities, version, created_at, updated_at)
      VALUES ('m-1', 'realm-counts', 'm', 'queued', 1, 'x', '[]', 1, 't', 't'), ('m-2', 'realm-counts', 'm', 'queued', 1, 'x', '[]', 1, 't', 't'),
             ('m-3', 'realm-counts', 'm', 'active', 1, 'x', '[]', 1, 't', 't'), ('m-4', 'realm-other', 'm', 'active', 1, 'x', '[]', 1, 't', 't')`);
    expect(await both((tx) => tx.realms.statusCounts('realm-counts'))).toEqual({
      nodes: { active: 1, paused: 2 },
      directives: {},
      missions: { queued: 2, active: 1 },
      proposals: {},
    });
    expect(await both((tx) => tx.realms.statusCounts('realm-none'))).toEqual({ nodes: {}, directives: {}, missions: {}, proposals: {} });
  });

  it('one compare-and-swap wins among concurrent writers from several instances', async () => {
    await onPg((tx) => tx.realms.insert(realm('realm-race', 40)));
    const attempts = pools.flatMap((pool, i) => Array.from({ length: 4 }, (_, w) => onPg((tx) => tx.realms.update('realm-race', 1, { name: `won by ${i}/${w}` }), pool)));
    const won = (await Promise.all(attempts)).filter((r) => r !== null);
    expect(won).toHaveLength(1);
    expect(await onPg((tx) => tx.realms.get('realm-race'))).toMatchObject({ name: won[0]!.name, version: 2 });
  });
});

describe('the org chart on PostgreSQL, as on SQLite', () => {
  // ceo -> (cto -> (Dev-b, dev_a, dev-10 (terminated)), cfo -> (acct (paused))); mixed case and punctuation
  // in ids, so byte order (C) and the en-US locale would sort them differently. Dev-b has sent a heartbeat.
  const R = 'realm-org';
  const org = [
    node(R, 'ceo', null, 9, ['strategy', 'finance']),
    node(R, 'cto', 'ceo', 8, ['rust', 'review']),
    node(R, 'cfo', 'ceo', 8, ['finance']),
    node(R, 'dev_a', 'cto', 5, ['rust', 'go']),
    node(R, 'Dev-b', 'cto', 5, ['rust'], { heartbeatAt: at(1), heartbeatState: 'ready', region: 'eu', load: 0.25 }),
    node(R, 'dev-10', 'cto', 5, ['rust'], { status: 'terminated' }),
    node(R, 'acct', 'cfo', 3, ['finance'], { status: 'paused' }),
  ];
  beforeAll(async () => {
    await both(function* (tx) {
      for (const n of org) yield* tx.nodes.insert(n);
    });
    // Dev-b is busy: a running bridge run; dev_a only has finished ones. cto has a running run but never sent a
    // heartbeat: running is only read for agents that did (liveness is null for the others), so it reads false.
    await exec(`INSERT INTO bridge_runs (id, runtime_id, realm_id, agent_id, status, output_truncated, stderr_truncated, owner_instance_id, cancel_requested, started_at)
      VALUES ('run-1', 'rt', '${R}', 'Dev-b', 'running', false, false, 'i', false, 't'), ('run-2', 'rt', '${R}', 'dev_a', 'completed', false, false, 'i', false, 't'),
             ('run-3', 'rt', 'realm-elsewhere', 'dev_a', 'running', false, false, 'i', false, 't'), ('run-4', 'rt', '${R}', 'cto', 'running', false, false, 'i', false, 't')`);
  });

  it('reads nodes back as written; all and reports in rank then agent id (byte) order', async () => {
    expect(await both((tx) => tx.nodes.get(R, 'Dev-b'))).toEqual(org[4]);
    expect(await both((tx) => tx.nodes.get(R, 'nobody'))).toBeNull();
    expect(await both((tx) => tx.nodes.get('realm-missing', 'ceo'))).toBeNull();
    expect(ids(await both((tx) => tx.nodes.all(R)))).toEqual(['ceo', 'cfo', 'cto', 'Dev-b', 'dev-10', 'dev_a', 'acct']);
    const reports = await both((tx) => tx.nodes.reports(R, 'cto'));
    expect(ids(reports)).toEqual(['Dev-b', 'dev-10', 'dev_a']);
    expect(reports[0]).toEqual(org[4]);
    expect(await both((tx) => tx.nodes.reports(R, 'acct'))).toEqual([]);
    expect(await both((tx) => tx.nodes.countLive(R))).toBe(6);
    expect(await both((tx) => tx.nodes.countLive('realm-missing'))).toBe(0);
  });

  it('walks the chain up to the root in order, empty for an unknown agent', async () => {
    const chain = await both((tx) => tx.nodes.chain(R, 'dev_a'));
    expect(ids(chain)).toEqual(['dev_a', 'cto', 'ceo']);
    expect(chain[1]).toEqual(org[1]);
    expect(ids(await both((tx) => tx.nodes.chain(R, 'ceo')))).toEqual(['ceo']);
    expect(await both((tx) => tx.nodes.chain(R, 'nobody'))).toEqual([]);
    // A manager that is not in the realm ends the chain.
    await both((tx) => tx.nodes.insert(node(R, 'orphan', 'gone', 1, [])));
    expect(ids(await both((tx) => tx.nodes.chain(R, 'orphan')))).toEqual(['orphan']);
    await both((tx) => tx.nodes.delete(R, 'orphan'));
  });

  it('finds by capability (live nodes only, with whether each has a running run), over the realm or under an agent', async () => {
    const rust = await both((tx) => tx.nodes.find(R, 'rust', null));
    expect(rust.map((n) => [n.agentId, n.running])).toEqual([['cto', false], ['Dev-b', true], ['dev_a', false]]);
    expect(rust[1]).toEqual({ ...org[4], running: true });
    expect(ids(await both((tx) => tx.nodes.find(R, 'finance', null)))).toEqual(['ceo', 'cfo', 'acct']);
    expect(ids(await both((tx) => tx.nodes.find(R, 'finance', 'cfo')))).toEqual(['cfo', 'acct']);
    expect(ids(await both((tx) => tx.nodes.find(R, 'rust', 'cto')))).toEqual(['cto', 'Dev-b', 'dev_a']);
    expect(ids(await both((tx) => tx.nodes.find(R, 'rust', 'Dev-b')))).toEqual(['Dev-b']);
    expect(await both((tx) => tx.nodes.find(R, 'cobol', null))).toEqual([]);
    expect(await both((tx) => tx.nodes.find(R, 'rust', 'nobody'))).toEqual([]);
    // Without a capability: every live node, or the live subtree.
    expect(ids(await both((tx) => tx.nodes.find(R, null, null)))).toEqual(['ceo', 'cfo', 'cto', 'Dev-b', 'dev_a', 'acct']);
    const under = await both((tx) => tx.nodes.find(R, null, 'cto'));
    expect(under.map((n) => [n.agentId, n.running])).toEqual([['cto', false], ['Dev-b', true], ['dev_a', false]]);
  });

  it('reads the org (whole or a subtree, terminated nodes included) and the beats of live nodes', async () => {
    const whole = await both((tx) => tx.nodes.org(R, null));
    expect(ids(whole)).toEqual(['ceo', 'cfo', 'cto', 'Dev-b', 'dev-10', 'dev_a', 'acct']);
    expect(whole[3]).toEqual({
      agentId: 'Dev-b', reportsTo: 'cto', title: 'Dev-b title', capabilities: ['rust'], rank: 5, status: 'active',
      heartbeatAt: at(1), heartbeatState: 'ready', failedAt: null, region: 'eu', running: true,
    });
    expect(ids(await both((tx) => tx.nodes.org(R, 'cfo')))).toEqual(['cfo', 'acct']);
    expect(await both((tx) => tx.nodes.org(R, 'nobody'))).toEqual([]);
    // Beats come in no promised order (they are counted): compared as sets.
    const byAgent = (beats: Beat[]) => [...beats].sort((a, b) => (a.agentId < b.agentId ? -1 : 1));
    const beats = byAgent(await onPg((tx) => tx.nodes.beats(R)));
    expect(beats).toEqual(byAgent(onSqlite((tx) => tx.nodes.beats(R))));
    expect(beats).toEqual(
      ['Dev-b', 'acct', 'ceo', 'cfo', 'cto', 'dev_a'].map((agentId) =>
        agentId === 'Dev-b'
          ? { agentId, heartbeatAt: at(1), heartbeatState: 'ready', failedAt: null, running: true }
          : { agentId, heartbeatAt: null, heartbeatState: null, failedAt: null, running: false },
      ),
    );
  });

  it('a stored cycle ends every walk instead of looping', async () => {
    const C = 'realm-cycle';
    await both(function* (tx) {
      yield* tx.nodes.insert(node(C, 'x', 'z', 3, ['loop']));
      yield* tx.nodes.insert(node(C, 'y', 'x', 2, ['loop']));
      yield* tx.nodes.insert(node(C, 'z', 'y', 1, ['loop']));
    });
    expect(ids(await both((tx) => tx.nodes.chain(C, 'y')))).toEqual(['y', 'x', 'z']);
    expect(ids(await both((tx) => tx.nodes.find(C, 'loop', 'x')))).toEqual(['x', 'y', 'z']);
    expect(ids(await both((tx) => tx.nodes.find(C, null, 'z')))).toEqual(['x', 'y', 'z']);
    expect(ids(await both((tx) => tx.nodes.org(C, 'y')))).toEqual(['x', 'y', 'z']);
    // An agent stored as its own manager.
    await both((tx) => tx.nodes.insert(node(C, 'self', 'self', 1, ['loop'])));
    expect(ids(await both((tx) => tx.nodes.chain(C, 'self')))).toEqual(['self']);
    expect(ids(await both((tx) => tx.nodes.org(C, 'self')))).toEqual(['self']);
  });

  it('heartbeats and failures change the node without a version bump; null for an agent not in the realm', async () => {
    const H = 'realm-beat';
    await both((tx) => tx.nodes.insert(node(H, 'w', null, 1, [])));
    const beat = { heartbeatAt: at(5), heartbeatState: 'busy' as const, load: 0.5, region: 'us', agentVersion: '1.2.3' };
    const after = await both((tx) => tx.nodes.heartbeat(H, 'w', beat));
    expect(after).toEqual({ ...node(H, 'w', null, 1, []), ...beat });
    expect(await both((tx) => tx.nodes.heartbeat(H, 'nobody', beat))).toBeNull();
    await both((tx) => tx.nodes.markFailed(H, 'w', at(6)));
    await both((tx) => tx.nodes.markFailed(H, 'nobody', at(6)));
    expect(await both((tx) => tx.nodes.get(H, 'w'))).toMatchObject({ failedAt: at(6), heartbeatState: 'busy', version: 1 });
    expect(await both((tx) => tx.nodes.beats(H))).toEqual([{ agentId: 'w', heartbeatAt: at(5), heartbeatState: 'busy', failedAt: at(6), running: false }]);
    expect(await both((tx) => tx.nodes.org(H, null))).toEqual([
      { agentId: 'w', reportsTo: null, title: 'w title', capabilities: [], rank: 1, status: 'active', heartbeatAt: at(5), heartbeatState: 'busy', failedAt: at(6), region: 'us', running: false },
    ]);
  });

  it('keeps the capability index in step with inserts, updates and deletes (and rebuilds it from the nodes)', async () => {
    const K = 'realm-caps';
    const index = async () => {
      const text = `SELECT capability, agent_id FROM node_capabilities WHERE realm_id = '${K}' ORDER BY capability, agent_id`;
      const rows = (await pools[0]!.query<{ capability: string; agent_id: string }>(text)).rows.map((r) => `${r.capability}:${r.agent_id}`);
      expect(rows).toEqual((sqlite.prepare(text).all() as { capability: string; agent_id: string }[]).map((r) => `${r.capability}:${r.agent_id}`));
      return rows;
    };
    await both(function* (tx) {
      yield* tx.nodes.insert(node(K, 'p', null, 2, ['a', 'b', 'b']));
      yield* tx.nodes.insert(node(K, 'q', 'p', 1, ['b']));
    });
    expect(await index()).toEqual(['a:p', 'b:p', 'b:q']);
    const updated = await both((tx) => tx.nodes.update(K, 'p', 1, { capabilities: ['b', 'c'], title: 'lead' }));
    expect(updated).toMatchObject({ capabilities: ['b', 'c'], title: 'lead', version: 2 });
    expect(await index()).toEqual(['b:p', 'b:q', 'c:p']);
    expect(ids(await both((tx) => tx.nodes.find(K, 'a', null)))).toEqual([]);
    expect(ids(await both((tx) => tx.nodes.find(K, 'c', null)))).toEqual(['p']);
    // A stale version neither updates the node nor touches its index rows.
    expect(await both((tx) => tx.nodes.update(K, 'p', 1, { capabilities: ['z'] }))).toBeNull();
    expect(await index()).toEqual(['b:p', 'b:q', 'c:p']);
    // An update that leaves the capabilities out leaves the index as it is.
    expect(await both((tx) => tx.nodes.update(K, 'q', 1, { rank: 4 }))).toMatchObject({ rank: 4, capabilities: ['b'], version: 2 });
    expect(await index()).toEqual(['b:p', 'b:q', 'c:p']);
    expect(await both((tx) => tx.nodes.update(K, 'p', 2, { capabilities: [] }))).toMatchObject({ capabilities: [], version: 3 });
    expect(await index()).toEqual(['b:q']);
    await both((tx) => tx.nodes.delete(K, 'q'));
    expect(await index()).toEqual([]);
    expect(await both((tx) => tx.nodes.get(K, 'q'))).toBeNull();
    expect(ids(await both((tx) => tx.nodes.all(K)))).toEqual(['p']);

    // The index is derived data: after it is lost, rebuildCapabilities (an import's last step) restores it.
    await both((tx) => tx.nodes.insert(node(K, 'r', 'p', 1, ['x', 'y'])));
    await pools[0]!.query(`DELETE FROM node_capabilities WHERE realm_id = '${K}'`);
    const client = await pools[0]!.connect();
    try {
      await inTransaction(client, 'BEGIN', () => null, () => pgRebuild(pgDrizzle(client), K));
    } finally {
      client.release();
    }
    expect((await pools[0]!.query(`SELECT capability, agent_id FROM node_capabilities WHERE realm_id = '${K}' ORDER BY capability`)).rows).toEqual([
      { capability: 'x', agent_id: 'r' },
      { capability: 'y', agent_id: 'r' },
    ]);
  });
});

describe('the org chart under concurrent writers', () => {
  it('of 12 concurrent updates of one node from 3 instances one wins, and the capability index holds its capabilities', async () => {
    const W = 'realm-race-org';
    await onPg((tx) => tx.nodes.insert(node(W, 'n', null, 1, ['start'])));
    const attempts = pools.flatMap((pool, i) =>
      Array.from({ length: 4 }, (_, w) => onPg((tx) => tx.nodes.update(W, 'n', 1, { capabilities: [`cap-${i}-${w}`, 'shared'] }), pool)),
    );
    const won = (await Promise.all(attempts)).filter((n) => n !== null);
    expect(won).toHaveLength(1);
    const { rows } = await pools[1]!.query(`SELECT capability FROM node_capabilities WHERE realm_id = '${W}' AND agent_id = 'n' ORDER BY capability`);
    expect(rows.map((r) => r.capability)).toEqual([...won[0]!.capabilities].sort());
    expect(ids(await onPg((tx) => tx.nodes.find(W, 'shared', null), pools[2]))).toEqual(['n']);
    expect(ids(await onPg((tx) => tx.nodes.find(W, 'start', null)))).toEqual([]);
  });
});

describe('directives, comments and tokens on PostgreSQL, as on SQLite', () => {
  const D = 'realm-directives';
  const directive = (id: string, n: number, patch: Partial<Directive> = {}): Directive => ({
    id,
    realmId: D,
    title: `Directive ${id}`,
    description: null,
    level: 'team',
    status: 'active',
    parentId: null,
    ownerAgentId: null,
    priority: 'normal',
    version: 1,
    createdAt: at(n),
    updatedAt: at(n),
    ...patch,
  });

  it('pages directives by priority then age with every filter, and lists them all and by owner', async () => {
    const written = [
      directive('d-1', 3, { priority: 'low', ownerAgentId: 'ann' }),
      directive('d-2', 1, { priority: 'critical', level: 'realm' }),
      directive('d-3', 2, { ownerAgentId: 'ann', parentId: 'd-2' }),
      directive('d-4', 2, { priority: 'high', status: 'draft', parentId: 'd-2' }),
      directive('d-5', 1, { ownerAgentId: 'ann' }),
      directive('d-6', 1, { ownerAgentId: 'bob' }),
    ];
    await both(function* (tx) {
      for (const d of written) yield* tx.directives.insert(d);
    });
    expect(await both((tx) => tx.directives.get(D, 'd-4'))).toEqual(written[3]);
    expect(await both((tx) => tx.directives.get(D, 'nope'))).toBeNull();
    expect(await both((tx) => tx.directives.get('realm-other', 'd-4'))).toBeNull();
    const order = ['d-2', 'd-4', 'd-5', 'd-6', 'd-3', 'd-1'];
    expect((await both((tx) => tx.directives.all(D))).map((d) => d.id)).toEqual(order);
    const walk = (filter: Record<string, string>) =>
      both(function* (tx) {
        const seen: string[] = [];
        for (let after: SortKey | null = null; ; ) {
          const page: Keyed<Directive>[] = yield* tx.directives.page(D, { ...filter, after, limit: 2 });
          if (page.length === 0) return seen;
          seen.push(...page.map((p) => p.record.id));
          after = page.at(-1)!.key;
        }
      });
    expect(await walk({})).toEqual(order);
    expect(await walk({ ownerAgentId: 'ann' })).toEqual(['d-5', 'd-3', 'd-1']);
    expect(await walk({ parentId: 'd-2' })).toEqual(['d-4', 'd-3']);
    expect(await walk({ status: 'draft' })).toEqual(['d-4']);
    expect(await walk({ level: 'realm' })).toEqual(['d-2']);
    expect((await both((tx) => tx.directives.ownedBy(D, 'ann'))).map((d) => d.id)).toEqual(['d-1', 'd-3', 'd-5']);
    expect(await both((tx) => tx.directives.ownedBy(D, 'nobody'))).toEqual([]);

    const moved = await both((tx) => tx.directives.update(D, 'd-1', 1, { priority: 'critical', updatedAt: at(9) }));
    expect(moved).toEqual({ ...written[0], priority: 'critical', version: 2, updatedAt: at(9) });
    expect(await both((tx) => tx.directives.update(D, 'd-1', 1, { title: 'stale' }))).toBeNull();
    expect((await both((tx) => tx.directives.all(D))).map((d) => d.id)).toEqual(['d-2', 'd-1', 'd-4', 'd-5', 'd-6', 'd-3']);
  });

  it("pages a mission's comments oldest first, with cursors, and never another mission's", async () => {
    await both(function* (tx) {
      for (let i = 0; i < 5; i++) yield* tx.comments.insert({ id: `c-${i}`, realmId: 'realm-c', missionId: 'm-1', authorId: 'ann', body: `body ${i}`, createdAt: at(i) });
      yield* tx.comments.insert({ id: 'c-other', realmId: 'realm-c', missionId: 'm-2', authorId: 'bob', body: 'elsewhere', createdAt: at(0) });
    });
    const walked = await both(function* (tx) {
      const seen: Comment[] = [];
      for (let after: SortKey | null = null; ; ) {
        const page: Keyed<Comment>[] = yield* tx.comments.page('realm-c', 'm-1', { after, limit: 2 });
        if (page.length === 0) return seen;
        seen.push(...page.map((p) => p.record));
        after = page.at(-1)!.key;
      }
    });
    expect(walked).toEqual(Array.from({ length: 5 }, (_, i) => ({ id: `c-${i}`, missionId: 'm-1', authorId: 'ann', body: `body ${i}`, createdAt: at(i) })));
    expect(await both((tx) => tx.comments.page('realm-c', 'm-none', { after: null, limit: 10 }))).toEqual([]);
  });

  it('stores tokens, lists them in creation order, and revokes one', async () => {
    const token = (id: string, n: number) => ({
      id, name: `token ${id}`, role: 'operator' as const, realmId: n % 2 ? 'realm-t' : null, agentId: null, secretHash: `hash-${id}`, createdAt: at(n), expiresAt: null, revokedAt: null,
    });
    await both(function* (tx) {
      for (const [i, id] of ['tok-z', 'tok-a', 'tok-m'].entries()) yield* tx.tokens.insert(token(id, i));
    });
    expect(await both((tx) => tx.tokens.get('tok-a'))).toEqual(token('tok-a', 1));
    expect(await both((tx) => tx.tokens.get('tok-none'))).toBeNull();
    expect((await both((tx) => tx.tokens.all())).map((t) => t.id)).toEqual(['tok-z', 'tok-a', 'tok-m']);
    await both((tx) => tx.tokens.revoke('tok-m', at(9)));
    await both((tx) => tx.tokens.revoke('tok-none', at(9)));
    expect(await both((tx) => tx.tokens.get('tok-m'))).toEqual({ ...token('tok-m', 2), revokedAt: at(9) });
  });
});
