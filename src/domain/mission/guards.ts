import { notFound } from '../errors.js';
import type { Step, Tx } from '../store.js';
import type { Mission } from './model.js';

export function* requireMission(tx: Tx, realmId: string, id: string, field = 'id'): Step<Mission> {
  const mission = yield* tx.missions.get(realmId, id);
  if (!mission) throw notFound('mission', id, { field, realmId });
  return mission;
}
