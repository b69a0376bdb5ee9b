import type { MissionBlockerRepo } from '../../../domain/store.js';
import { client, type Db } from './shared.js';

// The loop check walks the blocker edges forward (mission -> its blockers, by mission_blockers_key) from the
// proposed blockers, one row per edge met: (mission, the mission it blocks). UNION (not UNION ALL) drops an edge
// met twice, so each edge is followed once and a stored loop ends the walk; it does not go on past the mission
// itself. (Walking backwards from the mission, by mission_blockers_blocker, would start from one row instead of
// a list, but SQLite's planner, without statistics, prefers scanning the realm's rows in the covering key.) The
// candidates come in as a JSON array (PostgreSQL: unnest of a text array); CROSS JOIN fixes the join order.
/** The statements, by name (the query-plan test reads them too). */
export const blockerSql = {
  drop: 'DELETE FROM mission_blockers WHERE realm_id = :realmId AND mission_id = :missionId',
  add: 'INSERT INTO mission_blockers (realm_id, mission_id, blocker_id) VALUES (:realmId, :missionId, :blockerId) ON CONFLICT DO NOTHING',
  upstream: `WITH RECURSIVE upstream(id, blocks) AS (
    SELECT c.value, :missionId FROM json_each(:candidates) c
    UNION
    SELECT b.blocker_id, upstream.id FROM upstream CROSS JOIN mission_blockers b
      WHERE upstream.id <> :missionId AND b.realm_id = :realmId AND b.mission_id = upstream.id)
  SELECT id, blocks FROM upstream`,
} as const;

export function missionBlockerRepo(db: Db): MissionBlockerRepo {
  const raw = client(db);
  const drop = raw.prepare(blockerSql.drop);
  const add = raw.prepare(blockerSql.add);
  const upstream = raw.prepare(blockerSql.upstream).raw(true);
  return {
    *set(realmId, missionId, blockerIds) {
      drop.run({ realmId, missionId });
      for (const blockerId of blockerIds) add.run({ realmId, missionId, blockerId });
    },
    *loopThrough(realmId, missionId, candidates) {
      // Each mission met, with the first mission it was met as a blocker of: following those from missionId
      // leads back to the candidate it was reached from.
      const blocks = new Map<string, string>();
      const rows = upstream.all({ realmId, missionId, candidates: JSON.stringify(candidates) }) as [string, string][];
      for (const [id, of] of rows) if (!blocks.has(id)) blocks.set(id, of);
      if (!blocks.has(missionId)) return null;
      // Backwards from missionId to the candidate, then read forwards (a Set: a long chain stays linear).
      const back = [missionId];
      const met = new Set(back);
      for (let id = blocks.get(missionId); id !== undefined && !met.has(id); id = blocks.get(id)) back.push(id), met.add(id);
      return [missionId, ...back.reverse()];
    },
  };
}

/** After an import loads missions, their blocker rows are rebuilt from blocked_by (they are derived data). */
export function rebuildBlockers(db: Db, realmId: string) {
  const raw = client(db);
  raw.prepare('DELETE FROM mission_blockers WHERE realm_id = ?').run(realmId);
  raw
    .prepare(`INSERT INTO mission_blockers (realm_id, mission_id, blocker_id)
      SELECT m.realm_id, m.id, b.value FROM missions m, json_each(m.blocked_by) b WHERE m.realm_id = ? ON CONFLICT DO NOTHING`)
    .run(realmId);
}
