// The idempotency key of the functions declared `idempotent`: added to their input schema here (so tools/list,
// REST, OpenAPI and docs all show it), taken out again before the domain runs (no domain input has it), and
// handled around the call by src/domain/idempotency.ts.
import { z } from 'zod';
import type { DomainContext } from '../domain/context.js';
import { holdKey, reserveKey } from '../domain/idempotency.js';
import type { FunctionDeclaration } from './declaration.js';

export const IDEMPOTENCY_KEY = 'idempotencyKey';

export const idempotencyKey = z
  .string()
  .min(1)
  .max(200)
  .describe(
    'Makes the call safe to repeat (creates, spends, submits, invokes): a repeat with the same key and input returns the first result, ' +
      'for 24 hours; the same key with another input is conflict. Keys are shared by the realm\'s callers: make yours unique (a UUID).',
  );

const hasKey = (schema: z.ZodType) => IDEMPOTENCY_KEY in ((schema as unknown as { shape?: object }).shape ?? {});

/** The declaration as served: an idempotent function's input takes the key (the declaration itself, else). */
export function withIdempotencyKey(d: FunctionDeclaration): FunctionDeclaration {
  if (!d.idempotent || hasKey(d.input)) return d;
  if (!(d.input instanceof z.ZodObject)) throw new Error(`${d.id} is declared idempotent but its input is not an object`);
  return { ...d, input: d.input.safeExtend({ [IDEMPOTENCY_KEY]: idempotencyKey.optional() }) };
}

/**
 * Runs a validated input: without a key as it is; with one, at most once per key (a repeat returns the first
 * result). `realmId` is the key's realm ('' outside one).
 */
export async function runDeclared(d: FunctionDeclaration, name: string, realmId: string, data: Record<string, unknown>, ctx: DomainContext): Promise<unknown> {
  if (!d.idempotent) return d.run(data, ctx);
  const { [IDEMPOTENCY_KEY]: key, ...input } = data;
  if (key === undefined) return d.run(input, ctx);
  const call = { realmId, key: key as string, function: name, input };
  const reserved = await reserveKey(ctx, call);
  if (!reserved.run) return reserved.result;
  return holdKey(ctx, call, reserved.token, () => d.run(input, ctx));
}
