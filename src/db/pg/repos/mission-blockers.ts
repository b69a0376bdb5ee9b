import { and, eq, sql } from 'drizzle-orm';
import type { MissionBlockerRepo, Step } from '../../../domain/store.js';
import { missionBlockers } from '../schema.js';
import { type PgDb, q } from './shared.js';

// The loop check, as the SQLite store's (src/db/sqlite/repos/mission-blockers.ts): walk the blocker edges
// forward (mission -> its blockers, by mission_blockers_key) from the proposed blockers, one row per edge met:
// (mission, the mission it blocks). UNION (not UNION ALL) drops an edge met twice, so each edge is followed
// once and a stored loop ends the walk; it does not go on past the mission itself. The candidates come in as a
// text array (unnest keeps its order). COLLATE "C" on the first term: the recursive term's blocker_id is
// COLLATE "C", and PostgreSQL refuses a recursive column whose collation differs between the two terms.
const upstream = (realmId: string, missionId: string, candidates: readonly string[]) => sql`WITH RECURSIVE upstream(id, blocks) AS (
    SELECT c COLLATE "C", ${missionId}::text COLLATE "C" FROM unnest(${sql.param([...candidates])}::text[]) AS c
    UNION
    SELECT b.blocker_id, upstream.id FROM upstream CROSS JOIN mission_blockers b
      WHERE upstream.id <> ${missionId}::text AND b.realm_id = ${realmId}::text AND b.mission_id = upstream.id)
  SELECT id, blocks FROM upstream`;

export function missionBlockerRepo(db: PgDb): MissionBlockerRepo {
  return {
    *set(realmId, missionId, blockerIds) {
      yield* q(db.delete(missionBlockers).where(and(eq(missionBlockers.realmId, realmId), eq(missionBlockers.missionId, missionId))));
      if (blockerIds.length === 0) return;
      yield* q(
        db
          .insert(missionBlockers)
          .values(blockerIds.map((blockerId) => ({ realmId, missionId, blockerId })))
          .onConflictDoNothing({ target: [missionBlockers.realmId, missionBlockers.missionId, missionBlockers.blockerId] }),
      );
    },
    *loopThrough(realmId, missionId, candidates) {
      // Each mission met, with the first mission it was met as a blocker of: following those from missionId
      // leads back to the candidate it was reached from.
      const result = yield* q(db.execute<{ id: string; blocks: string }>(upstream(realmId, missionId, candidates)));
      const blocks = new Map<string, string>();
      for (const { id, blocks: of } of result.rows) if (!blocks.has(id)) blocks.set(id, of);
      if (!blocks.has(missionId)) return null;
      // Backwards from missionId to the candidate, then read forwards (a Set: a long chain stays linear).
      const back = [missionId];
      const met = new Set(back);
      for (let id = blocks.get(missionId); id !== undefined && !met.has(id); id = blocks.get(id)) back.push(id), met.add(id);
      return [missionId, ...back.reverse()];
    },
  };
}

/** After an import loads missions, mission_blockers is rebuilt from their blockedBy lists (it is derived data). */
export function* rebuildBlockers(db: PgDb, realmId: string): Step<void> {
  yield* q(db.execute(sql`DELETE FROM mission_blockers WHERE realm_id = ${realmId}`));
  yield* q(
    db.execute(sql`INSERT INTO mission_blockers (realm_id, mission_id, blocker_id)
      SELECT m.realm_id, m.id, b.value FROM missions m, json_array_elements_text(m.blocked_by) b(value) WHERE m.realm_id = ${realmId}
      ON CONFLICT DO NOTHING`),
  );
}
