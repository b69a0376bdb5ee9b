import type { DomainContext } from '../context.js';
import { requireRealm } from '../realm/guards.js';
import { missionStatuses, type Mission, type MissionStatus } from './model.js';

const PER_COLUMN = 200;

/** The mission board: missions grouped by status (at most 200 per column, most urgent first) with counts. */
export function missionBoard(ctx: DomainContext, realmId: string) {
  return ctx.store.read(function* (tx) {
    yield* requireRealm(tx, realmId);
    const counts = (yield* tx.realms.statusCounts(realmId)).missions;
    const board = {} as Record<MissionStatus, Mission[]>;
    for (const status of missionStatuses) board[status] = yield* tx.missions.inStatuses(realmId, [status], PER_COLUMN);
    return { board, counts: Object.fromEntries(missionStatuses.map((s) => [s, counts[s] ?? 0])) };
  });
}
