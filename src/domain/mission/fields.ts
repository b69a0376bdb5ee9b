// Mission fields that mission_create and mission_update take alike (dependencies, placement, retries).
import { z } from 'zod';
import { entityId, text } from '../params.js';

/** At most this many blockers per mission: a dependency list, not a graph dump. */
export const MAX_BLOCKERS = 100;

/** Blocker ids, trimmed and deduplicated (a repeat adds nothing), at most MAX_BLOCKERS distinct. */
export const blockedBy = z
  .array(entityId('blocking mission (msn-...)'))
  .transform((ids) => [...new Set(ids)])
  .pipe(z.array(z.string()).max(MAX_BLOCKERS, `at most ${MAX_BLOCKERS} distinct blockers`))
  .describe('Missions (msn-...) of the realm that must be complete before this one can be claimed or checked out.');

export const missionRegion = text(64).describe('The region an agent should preferably run in to take it, e.g. "eu-west" (compared exactly).');

export const maxAttempts = z
  .number()
  .int()
  .min(1)
  .max(100)
  .describe("Attempts before a failure makes the mission a dead letter (default: the realm's fleet.maxAttempts).");

export const leaseFence = z
  .number()
  .int()
  .min(0)
  .describe('The fence of your lease (from checkout or claim): if the mission was checked out again since, the call is a conflict.');
