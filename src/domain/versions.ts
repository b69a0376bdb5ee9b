import { DomainError, versionConflict } from './errors.js';

/** The optimistic-concurrency check every versioned write makes before its conditional UPDATE. */
export function checkVersion(entity: string, id: string, current: { version: number }, expected: number | undefined) {
  if (expected !== undefined && expected !== current.version) throw versionConflict(entity, id, current.version, expected);
}

/**
 * The version rule of an upsert: an existing record must be at expectedVersion; a missing one can only be
 * created with no expectedVersion or with 0 ("create only").
 */
export function checkUpsertVersion(entity: string, id: string, existing: { version: number } | null, expected: number | undefined) {
  if (existing) checkVersion(entity, id, existing, expected);
  else if (expected !== undefined && expected !== 0) throw versionConflict(entity, id, 0, expected);
}

/** A conditional UPDATE that matched nothing lost a race with another writer. */
export function casOrConflict<T>(updated: T | null, entity: string, id: string, read: { version: number }): T {
  if (updated === null) {
    throw new DomainError('conflict', `${entity} ${id} was changed by another writer after version ${read.version}: read it again and retry`, {
      entity,
      id,
      expectedVersion: read.version,
    });
  }
  return updated;
}

/** The keys of a patch input that were given (null included: null clears an optional field). */
export const givenFields = <T extends Record<string, unknown>>(input: T, keys: readonly (keyof T)[]) =>
  Object.fromEntries(keys.filter((k) => input[k] !== undefined).map((k) => [k, input[k]])) as Partial<T>;
