// Idempotency keys: a call made with a key runs once; a repeat with the same key and the same input gets the
// first call's result, and the same key with another input is a conflict. A key is reserved (pending) before
// the function runs, in its own write, so that concurrent repeats (other sessions, other processes on the
// database) see it; the result is kept when the function succeeds, and the key is released when it fails
// (errors are not kept: a retry runs again). Keys live 24 hours.
import { createHash } from 'node:crypto';
import { canonicalJson } from './audit/canonical.js';
import type { Clock } from './clock.js';
import type { DomainContext } from './context.js';
import { DomainError } from './errors.js';
import type { IdempotencyRecord } from './store.js';

/** How long a key is kept (at least: a key past it acts as new whether or not it was pruned yet). */
export const KEEP_KEYS_MS = 24 * 60 * 60_000;
/**
 * A pending key whose holder has not renewed it for this long is abandoned (its process died) and the next
 * repeat runs the function; a live holder renews it every third of this (see holdKey).
 */
export const ABANDONED_AFTER_MS = 60_000;

export interface KeyedCall {
  realmId: string;
  key: string;
  function: string;
  input: unknown;
}

export type Reservation = { run: true; token: string } | { run: false; result: unknown };

/** SHA-256 of the input's canonical JSON (RFC 8785): the same input in any key order has one hash. */
export const inputHash = (input: unknown) => createHash('sha256').update(canonicalJson(input)).digest('hex');

const ago = (clock: Clock, ms: number) => new Date(clock.now().getTime() - ms).toISOString();

/**
 * Reserves the key for this call, or answers the repeat: the kept result, or a conflict (another input or
 * function under this key, or the first call still running).
 */
export function reserveKey(ctx: DomainContext, call: KeyedCall): Promise<Reservation> {
  const hash = inputHash(call.input);
  return ctx.store.write(function* (tx) {
    const now = ctx.clock.now().toISOString();
    const row: IdempotencyRecord = { realmId: call.realmId, key: call.key, function: call.function, inputHash: hash, state: 'pending', result: null, createdAt: now };
    const expired = ago(ctx.clock, KEEP_KEYS_MS);
    if (yield* tx.idempotency.reserve(row)) {
      // A new key prunes the expired ones: a range of the created_at index, empty most of the time.
      yield* tx.idempotency.prune(expired);
      return { run: true, token: now };
    }
    const found = yield* tx.idempotency.get(call.realmId, call.key);
    const details = { field: 'idempotencyKey', key: call.key };
    // (Only where another engine's writer deleted it between the two statements.)
    if (!found) throw new DomainError('conflict', `idempotency key ${call.key} is in use: retry`, { ...details, reason: 'in_progress' });
    const abandoned = found.state === 'pending' && found.createdAt < ago(ctx.clock, ABANDONED_AFTER_MS);
    if (found.createdAt < expired || (abandoned && found.function === call.function && found.inputHash === hash)) {
      if (yield* tx.idempotency.replace(found.createdAt, row)) return { run: true, token: now };
      throw new DomainError('conflict', `idempotency key ${call.key} is in use: retry`, { ...details, reason: 'in_progress' });
    }
    if (found.function !== call.function || found.inputHash !== hash) {
      throw new DomainError('conflict', `idempotency key ${call.key} was used ${found.function === call.function ? 'with another input' : `for ${found.function}`}: use a new key for a new call`, { ...details, reason: 'input_differs', function: found.function });
    }
    if (found.state === 'done') return { run: false, result: found.result };
    throw new DomainError('conflict', `the first call with idempotency key ${call.key} is still running: retry later for its result`, { ...details, reason: 'in_progress' });
  });
}

/** Keeps the result under the key (only while this call still holds it). */
export const keepResult = (ctx: DomainContext, call: KeyedCall, token: string, result: unknown) =>
  ctx.store.write((tx) => tx.idempotency.complete(call.realmId, call.key, token, result));

/** Frees the key of a call that failed, so that a retry runs again. */
export const releaseKey = (ctx: DomainContext, call: KeyedCall, token: string) =>
  ctx.store.write((tx) => tx.idempotency.release(call.realmId, call.key, token));

/**
 * Runs `fn` under a reserved key, renewing the reservation while it runs (a bridge run with wait can take
 * minutes: a repeat meanwhile must see it in progress, not abandoned). Resolves to the function's result.
 */
export async function holdKey<T>(ctx: DomainContext, call: KeyedCall, token: string, fn: () => Promise<T>): Promise<T> {
  let held = token;
  let renewing: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    const at = ctx.clock.now().toISOString();
    renewing = ctx.store.write(function* (tx) {
      if (yield* tx.idempotency.renew(call.realmId, call.key, held, at)) held = at;
    }).catch(() => undefined);
  }, ABANDONED_AFTER_MS / 3);
  timer.unref();
  try {
    const result = await fn();
    clearInterval(timer);
    await renewing;
    // The call has done its work: a failure to keep the result must not turn it into an error (the key then
    // stays pending, and a repeat after ABANDONED_AFTER_MS runs again).
    await keepResult(ctx, call, held, result).catch(() => undefined);
    return result;
  } catch (error) {
    clearInterval(timer);
    await renewing;
    await releaseKey(ctx, call, held).catch(() => undefined);
    throw error;
  }
}
