import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { DomainContext } from '../domain/context.js';
import { DomainError } from '../domain/errors.js';
import { closestNames } from './closest.js';
import type { Registry } from './registry.js';
import { invalidInputFrom } from '../domain/validation.js';

/** The spec's error result: isError, no structuredContent, one text block with {error: {code, message, details}}. */
export const errorResult = (error: DomainError): CallToolResult => ({
  isError: true,
  content: [{ type: 'text', text: JSON.stringify({ error: { code: error.code, message: error.message, details: error.details } }) }],
});

/** A domain error as is; anything else is a bug: logged with a request id, and only the id goes back. */
export function asDomainError(error: unknown, log: Logger, name: string): DomainError {
  if (error instanceof DomainError) return error;
  const requestId = randomUUID();
  log.error({ err: error, requestId, tool: name }, 'tool call failed');
  return new DomainError('internal', `internal error; quote requestId ${requestId} when reporting it`, { requestId });
}

/**
 * Runs one function by name: zod is the only validator, the domain does the work, and every outcome is either
 * the result (structured and as text) or a coded error.
 */
export async function callFunction(
  registry: Registry,
  name: string,
  args: unknown,
  ctx: DomainContext,
  log: Logger,
): Promise<{ ok: true; value: unknown } | { ok: false; error: DomainError }> {
  const fn = registry.get(name);
  if (!fn) {
    const closest = closestNames(name, registry.names);
    return {
      ok: false,
      error: new DomainError('invalid_input', `unknown tool "${name}"; did you mean ${closest.join(', ')}?`, { field: 'name', closest }),
    };
  }
  // reportInput keeps the offending value in each issue, so that "missing" and "wrong type" read differently.
  const parsed = fn.declaration.input.safeParse(args ?? {}, { reportInput: true });
  if (!parsed.success) return { ok: false, error: invalidInputFrom(parsed.error, fn.declaration.input) };
  try {
    return { ok: true, value: await fn.declaration.run(parsed.data, ctx) };
  } catch (error) {
    return { ok: false, error: asDomainError(error, log, name) };
  }
}

export async function callTool(registry: Registry, name: string, args: unknown, ctx: DomainContext, log: Logger): Promise<CallToolResult> {
  const outcome = await callFunction(registry, name, args, ctx, log);
  if (!outcome.ok) return errorResult(outcome.error);
  return {
    content: [{ type: 'text', text: JSON.stringify(outcome.value) }],
    structuredContent: outcome.value as Record<string, unknown>,
  };
}
