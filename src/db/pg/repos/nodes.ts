import { and, asc, count, desc, eq, ne, type SQL, sql } from 'drizzle-orm';
import type { Node } from '../../../domain/hierarchy/model.js';
import type { Beat, NodeRepo, OrgEntry, Running, Step } from '../../../domain/store.js';
import { nodes } from '../schema.js';
import { type Named, named, selectList } from './named.js';
import { casUpdate, type PgDb, q, withoutOrd } from './shared.js';

type Row = typeof nodes.$inferSelect;
export const nodeRecord = (row: Row) => withoutOrd(row) as Node;
export const nodeRow = (node: Node) => node;

// The org's statements, as in the SQLite store (src/db/sqlite/repos/nodes.ts, which says why each is shaped
// so), in PostgreSQL's dialect. Rows come out keyed like the record: node-postgres parses `json` columns and
// EXISTS is a boolean, so no row needs more than its keys.

const columns = sql.raw(selectList(nodes, 'n'));
const treeOrder = sql.raw('ORDER BY n.rank DESC, n.agent_id');
// Whether the node's agent has a running bridge run, probed by bridge_runs_agent (realm, agent, status) per
// node. OFFSET 0 keeps it a probe: without it PostgreSQL turns the EXISTS into a hashed subplan that reads
// every running run of every realm first (10,000 running runs elsewhere: a 200-node org took 4.2-5.2 ms
// a query, 1.2-2.0 ms probed). Only for an agent that has sent a heartbeat, as in the SQLite store.
const running = sql.raw(
  `(n.heartbeat_at IS NOT NULL AND EXISTS (SELECT 1 FROM bridge_runs r WHERE r.realm_id = n.realm_id AND r.agent_id = n.agent_id AND r.status = 'running' OFFSET 0)) AS running`,
);
// A walk's agents to their nodes, one nodes_realm_agent probe each (LATERAL, OFFSET 0: the planner may not
// flatten it into a join). Left to its estimate of the walk (a fixed guess), it would hash the realm's whole
// org instead: 20,000 nodes read for a subtree of 781 (14-16 ms a query; 7.7-10 ms probed). Not for find: from
// a capability's many holders a hash join stays cheaper (2,857 of 20,000: 21-26 ms, probed 36-43 ms).
const nodeOf = (realmId: string) => sql`CROSS JOIN LATERAL (SELECT * FROM nodes WHERE realm_id = ${realmId} AND agent_id = sub.agent_id OFFSET 0) n`;
const orgColumns = sql.raw(
  'n.agent_id AS "agentId", n.reports_to AS "reportsTo", n.title, n.capabilities, n.rank, n.status, n.heartbeat_at AS "heartbeatAt", ' +
    'n.heartbeat_state AS "heartbeatState", n.failed_at AS "failedAt", n.region',
);

// Everyone under root (itself included), walking down nodes_realm_manager. UNION (not UNION ALL) drops an agent
// met twice, so a stored cycle ends the walk. The root is cast to the column's collation: a recursive CTE's
// terms must agree on it.
const subtree = (realmId: string, root: string) => sql`sub(agent_id) AS (
    SELECT ${root}::text COLLATE "C"
    UNION
    SELECT n.agent_id FROM sub CROSS JOIN nodes n WHERE n.realm_id = ${realmId} AND n.reports_to = sub.agent_id)`;

/** The statements drizzle's builder cannot express, by name. */
export const orgSql = {
  // From the agent up to its root in one round trip: each level one lookup by nodes_realm_agent, carrying the
  // path so far, which stops the walk before an agent already passed (a stored cycle).
  chain: (realmId: string, agentId: string) => sql`WITH RECURSIVE up AS (
      SELECT n.*, 1 AS depth, ARRAY[n.agent_id] AS path FROM nodes n WHERE n.realm_id = ${realmId} AND n.agent_id = ${agentId}
      UNION ALL
      SELECT n.*, up.depth + 1, up.path || n.agent_id FROM up CROSS JOIN nodes n
        WHERE n.realm_id = up.realm_id AND n.agent_id = up.reports_to AND n.agent_id <> ALL (up.path))
    SELECT ${sql.raw(selectList(nodes, 'up'))} FROM up ORDER BY up.depth`,
  reports: (realmId: string, managerId: string) => sql`SELECT ${columns} FROM nodes n WHERE n.realm_id = ${realmId} AND n.reports_to = ${managerId} ${treeOrder}`,
  find: (realmId: string, capability: string) => sql`SELECT ${columns}, ${running} FROM node_capabilities c CROSS JOIN nodes n
    WHERE c.realm_id = ${realmId} AND c.capability = ${capability} AND n.realm_id = c.realm_id AND n.agent_id = c.agent_id
      AND n.status <> 'terminated' ${treeOrder}`,
  findUnder: (realmId: string, capability: string, root: string) => sql`WITH RECURSIVE ${subtree(realmId, root)}
    SELECT ${columns}, ${running} FROM sub CROSS JOIN node_capabilities c ${nodeOf(realmId)}
    WHERE c.realm_id = ${realmId} AND c.capability = ${capability} AND c.agent_id = sub.agent_id AND n.status <> 'terminated' ${treeOrder}`,
  live: (realmId: string) => sql`SELECT ${columns}, ${running} FROM nodes n WHERE n.realm_id = ${realmId} AND n.status <> 'terminated' ${treeOrder}`,
  liveUnder: (realmId: string, root: string) => sql`WITH RECURSIVE ${subtree(realmId, root)}
    SELECT ${columns}, ${running} FROM sub ${nodeOf(realmId)} WHERE n.status <> 'terminated' ${treeOrder}`,
  org: (realmId: string) => sql`SELECT ${orgColumns}, ${running} FROM nodes n WHERE n.realm_id = ${realmId} ${treeOrder}`,
  orgUnder: (realmId: string, root: string) => sql`WITH RECURSIVE ${subtree(realmId, root)}
    SELECT ${orgColumns}, ${running} FROM sub ${nodeOf(realmId)} ${treeOrder}`,
  // In no particular order (as on SQLite: the port promises none, they are counted).
  beats: (realmId: string) => sql`SELECT n.agent_id AS "agentId", n.heartbeat_at AS "heartbeatAt", n.heartbeat_state AS "heartbeatState",
      n.failed_at AS "failedAt", ${running} FROM nodes n WHERE n.realm_id = ${realmId} AND n.status <> 'terminated'`,
  // The capability index made to hold exactly these capabilities, in one statement: the rows no longer named
  // deleted, the new ones inserted (the two touch different rows, so they may run as one statement's parts).
  setCapabilities: (realmId: string, agentId: string, capabilities: readonly string[]) => {
    const list = JSON.stringify(capabilities);
    return sql`WITH gone AS (
        DELETE FROM node_capabilities WHERE realm_id = ${realmId} AND agent_id = ${agentId}
          AND capability NOT IN (SELECT json_array_elements_text(${list}::json)))
      INSERT INTO node_capabilities (realm_id, capability, agent_id)
        SELECT ${realmId}, c, ${agentId} FROM json_array_elements_text(${list}::json) c ON CONFLICT DO NOTHING`;
  },
  // The node and its index rows in one statement.
  delete: (realmId: string, agentId: string) => sql`WITH gone AS (DELETE FROM node_capabilities WHERE realm_id = ${realmId} AND agent_id = ${agentId})
    DELETE FROM nodes WHERE realm_id = ${realmId} AND agent_id = ${agentId}`,
} satisfies Record<string, (...args: never[]) => SQL>;

// The caller's node is read in most tool calls: a named statement.
const byKey: Named = { name: 'nodes_by_key', text: `SELECT ${selectList(nodes, 'n')} FROM nodes n WHERE n.realm_id = $1 AND n.agent_id = $2` };

function* rows<T>(db: PgDb, query: SQL): Step<T[]> {
  return (yield* q(db.execute<Record<string, unknown>>(query))).rows as T[];
}

export function nodeRepo(db: PgDb): NodeRepo {
  const key = (realmId: string, agentId: string) => and(eq(nodes.realmId, realmId), eq(nodes.agentId, agentId))!;
  const setCapabilities = (realmId: string, agentId: string, capabilities: readonly string[]) => q(db.execute(orgSql.setCapabilities(realmId, agentId, capabilities)));
  return {
    *get(realmId, agentId) {
      const [node] = yield* named<Node>(db, byKey, [realmId, agentId]);
      return node ?? null;
    },
    *all(realmId) {
      return (yield* q(db.select().from(nodes).where(eq(nodes.realmId, realmId)).orderBy(desc(nodes.rank), asc(nodes.agentId)))).map(nodeRecord);
    },
    *chain(realmId, agentId) {
      return yield* rows<Node>(db, orgSql.chain(realmId, agentId));
    },
    *reports(realmId, managerId) {
      return yield* rows<Node>(db, orgSql.reports(realmId, managerId));
    },
    *find(realmId, capability, underAgentId) {
      const query =
        capability === null
          ? underAgentId === null ? orgSql.live(realmId) : orgSql.liveUnder(realmId, underAgentId)
          : underAgentId === null ? orgSql.find(realmId, capability) : orgSql.findUnder(realmId, capability, underAgentId);
      return yield* rows<Node & Running>(db, query);
    },
    *org(realmId, rootAgentId) {
      return yield* rows<OrgEntry>(db, rootAgentId === null ? orgSql.org(realmId) : orgSql.orgUnder(realmId, rootAgentId));
    },
    *beats(realmId) {
      return yield* rows<Beat>(db, orgSql.beats(realmId));
    },
    *countLive(realmId) {
      const [row] = yield* q(db.select({ n: count() }).from(nodes).where(and(eq(nodes.realmId, realmId), ne(nodes.status, 'terminated'))));
      return row?.n ?? 0;
    },
    *heartbeat(realmId, agentId, beat) {
      const [row] = yield* q(db.update(nodes).set(beat).where(key(realmId, agentId)).returning());
      return row ? nodeRecord(row) : null;
    },
    *markFailed(realmId, agentId, at) {
      yield* q(db.update(nodes).set({ failedAt: at }).where(key(realmId, agentId)));
    },
    *insert(node) {
      yield* q(db.insert(nodes).values(nodeRow(node)));
      yield* setCapabilities(node.realmId, node.agentId, node.capabilities);
    },
    *update(realmId, agentId, version, patch) {
      const row = yield* casUpdate<Row>(db, nodes, { realmId, agentId }, version, patch);
      if (row && patch.capabilities !== undefined) yield* setCapabilities(realmId, agentId, row.capabilities);
      return row ? nodeRecord(row) : null;
    },
    *delete(realmId, agentId) {
      yield* q(db.execute(orgSql.delete(realmId, agentId)));
    },
  };
}

/** After an import loads nodes, the capability index is rebuilt from them (it is derived data). */
export function* rebuildCapabilities(db: PgDb, realmId: string): Step<void> {
  yield* q(db.execute(sql`DELETE FROM node_capabilities WHERE realm_id = ${realmId}`));
  yield* q(
    db.execute(sql`INSERT INTO node_capabilities (realm_id, capability, agent_id)
      SELECT n.realm_id, c, n.agent_id FROM nodes n CROSS JOIN json_array_elements_text(n.capabilities) c WHERE n.realm_id = ${realmId}
      ON CONFLICT DO NOTHING`),
  );
}
