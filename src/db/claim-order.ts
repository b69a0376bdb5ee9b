// The order claim-next hands missions out in: priority, then region (the agent's own, then none, then any
// other), then age. Sorting a priority's queue by a region rank made every claim read and check that whole
// queue (373 claims/s at 10,000 queued against 1,012 at 1,000). Here the order is a sequence of arms, one per
// priority and region tier, each read in index order with its own LIMIT and tried in turn under one LIMIT: a
// claim stops at the first mission that fits. "Its own region" and "no region" are one seek each into
// missions_queue (realm, priority, region, created_at, ord over queued missions); "another region" walks the
// priority in age order. The SQLite store uses it (its statements are prepared once). The PostgreSQL store
// still sorts (its schema has missions_queue too: the two are kept alike): it plans every statement anew, and
// planning twelve arms halved its claims (334-392 -> 153-195 claims/s in bench/pg.mjs).
import { type SQL, sql } from 'drizzle-orm';
import { priorities } from '../domain/directive/model.js';

/** The region tiers in claim order, for an agent in `region` (null: no region, so no tier of its own). */
const tiers = (region: SQL) => [
  sql`m.region = ${region}`,
  sql`m.region IS NULL`,
  sql`m.region IS NOT NULL AND m.region IS DISTINCT FROM ${region}`,
];

export interface ClaimOrderOptions {
  /** Ends each arm's SELECT: PostgreSQL's FOR UPDATE OF m SKIP LOCKED. */
  lock?: SQL;
  /** What an arm reads, `missions m` by default, by tier (0 own region, 1 none, 2 other): SQLite names the index. */
  source?: (tier: number) => SQL;
}

/**
 * The ords of the missions `where` admits (over `missions m`), in claim order, at most `limit`. SQLite (and
 * PostgreSQL) run UNION ALL arms in the order written and stop at the LIMIT, so an arm after the one that
 * answered is never read (nor, with a lock, its rows locked).
 */
export function claimOrder(where: SQL, region: SQL, limit: SQL, { lock = sql``, source = () => sql`missions m` }: ClaimOrderOptions = {}): SQL {
  const arms = priorities.flatMap((_, rank) =>
    tiers(region).map((tier, t) => sql`SELECT m.ord FROM ${source(t)} WHERE ${where} AND m.priority = ${sql.raw(String(rank))} AND ${tier}`),
  );
  return sql`${sql.join(
    arms.map((arm, i) => sql`SELECT ord FROM (${arm} ORDER BY m.created_at, m.ord LIMIT ${limit}${lock}) AS arm${sql.raw(String(i))}`),
    sql` UNION ALL `,
  )} LIMIT ${limit}`;
}
