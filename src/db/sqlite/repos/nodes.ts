import { and, asc, count, desc, eq, getTableColumns, ne, sql } from 'drizzle-orm';
import type { Node } from '../../../domain/hierarchy/model.js';
import type { Beat, NodeRepo, OrgEntry } from '../../../domain/store.js';
import { nodes } from '../../schema.js';
import { casUpdate, client, type Db, preparedInsert, rawColumns, recordByKey, recordsOf, withoutOrd } from './shared.js';

type Row = typeof nodes.$inferSelect;
export const nodeRecord = (row: Row) => withoutOrd(row) as Node;
export const nodeRow = (node: Node) => node;

// Rows of the hot reads (reports, find) come as arrays of every column, ord first as in
// select().from(nodes), and are decoded by nodeOf.
const nodeOf = recordsOf<Node>(nodes);
const columns = rawColumns(nodes, 'n');
/** Where find's extra column (a running run) comes, after the node's own. */
const runningAt = Object.keys(getTableColumns(nodes)).length;
const treeOrder = 'ORDER BY n.rank DESC, n.agent_id';
// Whether the node's agent has a running bridge run (liveness busy), probed by bridge_runs_agent (realm, agent,
// status) per node read: never the realm's run history, which grows without bound (reading the realm's running
// runs by realm instead took 61 ms with 50,000 finished runs, against 0.4 ms for 50 nodes probed this way).
// Only for an agent that has sent a heartbeat: liveness is null for the others whatever runs they have, and
// SQLite stops at the first operand of a false AND (the whole org of 10,000 silent agents: 1.7 ms of probes).
const running = "(n.heartbeat_at IS NOT NULL AND EXISTS (SELECT 1 FROM bridge_runs r WHERE r.realm_id = n.realm_id AND r.agent_id = n.agent_id AND r.status = 'running'))";
const orgColumns = `n.agent_id, n.reports_to, n.title, n.capabilities, n.rank, n.status, n.heartbeat_at, n.heartbeat_state, n.failed_at, n.region, ${running}`;

// CROSS JOIN fixes the join order (SQLite never reorders it; elsewhere it is a plain inner join): from the few
// rows a walk or a capability names to their nodes by key. Left to itself, the planner without statistics
// would read the realm's nodes in tree order and probe the walk for each, which is the whole org again.

// Everyone under :root (itself included), walking down nodes_realm_manager. UNION (not UNION ALL) drops an
// agent met twice, so a stored cycle ends the walk.
const subtree = `sub(agent_id) AS (
    SELECT :root
    UNION
    SELECT n.agent_id FROM sub CROSS JOIN nodes n WHERE n.realm_id = :realmId AND n.reports_to = sub.agent_id)`;

/** The org's statements that drizzle's builder cannot express, by name (the query-plan test reads them too). */
export const orgSql = {
  reports: `SELECT ${columns} FROM nodes n WHERE n.realm_id = :realmId AND n.reports_to = :managerId ${treeOrder}`,
  find: `SELECT ${columns}, ${running} FROM node_capabilities c CROSS JOIN nodes n
    WHERE c.realm_id = :realmId AND c.capability = :capability AND n.realm_id = c.realm_id AND n.agent_id = c.agent_id
      AND n.status <> 'terminated' ${treeOrder}`,
  findUnder: `WITH RECURSIVE ${subtree}
  SELECT ${columns}, ${running} FROM sub CROSS JOIN node_capabilities c CROSS JOIN nodes n
    WHERE c.realm_id = :realmId AND c.capability = :capability AND c.agent_id = sub.agent_id
      AND n.realm_id = :realmId AND n.agent_id = sub.agent_id AND n.status <> 'terminated' ${treeOrder}`,
  // Without a capability (GET /api/control-plane/agents): the realm's live nodes in tree order, from
  // nodes_realm_rank; under a manager, the walk down its subtree.
  live: `SELECT ${columns}, ${running} FROM nodes n WHERE n.realm_id = :realmId AND n.status <> 'terminated' ${treeOrder}`,
  liveUnder: `WITH RECURSIVE ${subtree}
  SELECT ${columns}, ${running} FROM sub CROSS JOIN nodes n
    WHERE n.realm_id = :realmId AND n.agent_id = sub.agent_id AND n.status <> 'terminated' ${treeOrder}`,
  // The compact payload of hierarchy_tree, as arrays: agentId, reportsTo, title, capabilities, rank, status,
  // then what liveness is derived from (heartbeat_at, heartbeat_state, failed_at, a running run) and region, in
  // the same pass.
  org: `SELECT ${orgColumns} FROM nodes n WHERE n.realm_id = :realmId ${treeOrder}`,
  orgUnder: `WITH RECURSIVE ${subtree}
  SELECT ${orgColumns} FROM sub CROSS JOIN nodes n
    WHERE n.realm_id = :realmId AND n.agent_id = sub.agent_id ${treeOrder}`,
  // Liveness for counting: each live node's heartbeat columns and whether it has a running run.
  beats: `SELECT n.agent_id, n.heartbeat_at, n.heartbeat_state, n.failed_at, ${running} FROM nodes n WHERE n.realm_id = :realmId AND n.status <> 'terminated'`,
  addCapability: 'INSERT INTO node_capabilities (realm_id, capability, agent_id) VALUES (:realmId, :capability, :agentId) ON CONFLICT DO NOTHING',
  dropCapabilities: 'DELETE FROM node_capabilities WHERE realm_id = :realmId AND agent_id = :agentId',
} as const;

type OrgRow = [string, string | null, string | null, string, number, OrgEntry['status'], string | null, OrgEntry['heartbeatState'], string | null, string | null, number];
type BeatRow = [string, string | null, Beat['heartbeatState'], string | null, number];

export function nodeRepo(db: Db): NodeRepo {
  const insert = preparedInsert(db, nodes);
  const key = (realmId: string, agentId: string) => and(eq(nodes.realmId, realmId), eq(nodes.agentId, agentId))!;
  const all = db
    .select()
    .from(nodes)
    .where(eq(nodes.realmId, sql.placeholder('realmId')))
    .orderBy(desc(nodes.rank), asc(nodes.agentId))
    .prepare();
  const live = db
    .select({ n: count() })
    .from(nodes)
    .where(and(eq(nodes.realmId, sql.placeholder('realmId')), ne(nodes.status, 'terminated')))
    .prepare();
  const raw = client(db);
  // The lookup behind every level of a chain and most calls' checks.
  const byKey = recordByKey<Node>(db, nodes, ['realmId', 'agentId']);
  const statement = Object.fromEntries(Object.entries(orgSql).map(([name, text]) => [name, raw.prepare(text)])) as Record<keyof typeof orgSql, ReturnType<typeof raw.prepare>>;
  const org = { whole: statement.org.raw(), under: statement.orgUnder.raw() };
  const beats = statement.beats.raw();
  const setCapabilities = (realmId: string, agentId: string, capabilities: readonly string[]) => {
    statement.dropCapabilities.run({ realmId, agentId });
    for (const capability of capabilities) statement.addCapability.run({ realmId, capability, agentId });
  };
  // Node rows are read as arrays and decoded by nodeOf: object rows cost more per row (better-sqlite3 13 builds
  // each through a call into JavaScript; measured on the old chain statement: 64 -> 52 µs on Node 24, 25 -> 18 on 20).
  for (const name of ['reports', 'find', 'findUnder', 'live', 'liveUnder'] as const) statement[name].raw(true);
  const nodesOf = (rows: unknown[]) => (rows as unknown[][]).map(nodeOf);
  return {
    *get(realmId, agentId) {
      return byKey(realmId, agentId);
    },
    *all(realmId) {
      return all.all({ realmId }).map(nodeRecord);
    },
    *chain(realmId, agentId) {
      // One indexed lookup a level, stopping at an agent already passed (a stored cycle). A recursive CTE did
      // the same walk in one statement, but SQLite 3.54 (better-sqlite3 13, Node 22+) ran it four times slower
      // than 3.53 with the same plan (32 µs against 8 µs for five levels); lookups take 1 µs each on both.
      const chain: Node[] = [];
      const seen = new Set<string>();
      for (let id: string | null = agentId; id !== null && !seen.has(id); ) {
        seen.add(id);
        const node = byKey(realmId, id);
        if (!node) break;
        chain.push(node);
        id = node.reportsTo;
      }
      return chain;
    },
    *reports(realmId, managerId) {
      return nodesOf(statement.reports.all({ realmId, managerId }));
    },
    *find(realmId, capability, underAgentId) {
      const rows =
        capability === null
          ? underAgentId === null ? statement.live.all({ realmId }) : statement.liveUnder.all({ realmId, root: underAgentId })
          : underAgentId === null ? statement.find.all({ realmId, capability }) : statement.findUnder.all({ realmId, capability, root: underAgentId });
      // Each row is the node's columns, then whether it has a running run.
      return nodesOf(rows).map((node, i) => Object.assign(node, { running: (rows[i] as unknown[])[runningAt] === 1 }));
    },
    *org(realmId, rootAgentId) {
      const rows = (rootAgentId === null ? org.whole.all({ realmId }) : org.under.all({ realmId, root: rootAgentId })) as OrgRow[];
      // Capability lists repeat across an org (10,000 agents, a handful of distinct lists): each distinct text is
      // parsed once and its array shared by the entries that have it.
      const lists = new Map<string, string[]>();
      return rows.map(([agentId, reportsTo, title, text, rank, status, heartbeatAt, heartbeatState, failedAt, region, running]) => {
        let capabilities = lists.get(text);
        if (!capabilities) lists.set(text, (capabilities = JSON.parse(text) as string[]));
        return { agentId, reportsTo, title, capabilities, rank, status, heartbeatAt, heartbeatState, failedAt, region, running: running === 1 };
      });
    },
    *beats(realmId) {
      return (beats.all({ realmId }) as BeatRow[]).map(([agentId, heartbeatAt, heartbeatState, failedAt, running]) => ({ agentId, heartbeatAt, heartbeatState, failedAt, running: running === 1 }));
    },
    *countLive(realmId) {
      return live.get({ realmId })?.n ?? 0;
    },
    *heartbeat(realmId, agentId, beat) {
      const row = db.update(nodes).set(beat).where(key(realmId, agentId)).returning().get();
      return row ? nodeRecord(row) : null;
    },
    *markFailed(realmId, agentId, at) {
      db.update(nodes).set({ failedAt: at }).where(key(realmId, agentId)).run();
    },
    *insert(node) {
      insert(nodeRow(node));
      setCapabilities(node.realmId, node.agentId, node.capabilities);
    },
    *update(realmId, agentId, version, patch) {
      const row = casUpdate<Row>(db, nodes, { realmId, agentId }, version, patch);
      if (row && patch.capabilities !== undefined) setCapabilities(realmId, agentId, row.capabilities);
      return row ? nodeRecord(row) : null;
    },
    *delete(realmId, agentId) {
      db.delete(nodes).where(key(realmId, agentId)).run();
      statement.dropCapabilities.run({ realmId, agentId });
    },
  };
}

/** After an import loads nodes, the capability index is rebuilt from them (it is derived data). */
export function rebuildCapabilities(db: Db, realmId: string) {
  const raw = client(db);
  raw.prepare('DELETE FROM node_capabilities WHERE realm_id = ?').run(realmId);
  raw
    .prepare(`INSERT INTO node_capabilities (realm_id, capability, agent_id)
      SELECT n.realm_id, c.value, n.agent_id FROM nodes n, json_each(n.capabilities) c WHERE n.realm_id = ? ON CONFLICT DO NOTHING`)
    .run(realmId);
}
