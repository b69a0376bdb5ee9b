import type { CallToolResult } from '@modelcontextprotocol/server';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { DomainContext } from '../domain/context.js';
import { DomainError } from '../domain/errors.js';
import { authorize } from './authorize.js';
import { closestNames } from './closest.js';
import { runDeclared } from './idempotent.js';
import type { Registry } from './registry.js';
import { guardArguments } from '../domain/json-guard.js';
import { invalidInputFrom } from '../domain/validation.js';
import { rememberJson } from './serialised.js';
import { FULL_TEXT_RESULT_BYTES, MAX_RESULT_BYTES } from '../limits.js';

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
    const closest = closestNames(name, registry.functionsFor(ctx.principal.role).map((f) => f.name));
    return {
      ok: false,
      error: new DomainError('invalid_input', `unknown tool "${name}"; did you mean ${closest.join(', ')}?`, { field: 'name', closest }),
    };
  }
  // Checked before zod walks the input: nesting, malformed Unicode and __proto__ (see json-guard).
  const unsafe = guardArguments(args, fn.declaration.input);
  if (unsafe) return { ok: false, error: unsafe };
  const allowed = authorize(fn, ctx.principal, args ?? {});
  if ('error' in allowed) return { ok: false, error: allowed.error };
  // reportInput keeps the offending value in each issue, so that "missing" and "wrong type" read differently.
  const parsed = fn.declaration.input.safeParse(allowed.args, { reportInput: true });
  if (!parsed.success) return { ok: false, error: invalidInputFrom(parsed.error, fn.declaration.input) };
  try {
    const realm = fn.realmField ? ((parsed.data as Record<string, unknown>)[fn.realmField] ?? '') : '';
    return { ok: true, value: await runDeclared(fn.declaration, fn.name, String(realm), parsed.data as Record<string, unknown>, ctx) };
  } catch (error) {
    return { ok: false, error: asDomainError(error, log, name) };
  }
}

const MiB = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/**
 * A successful call: the result as structuredContent and the same JSON as text. Past FULL_TEXT_RESULT_BYTES the
 * text is a summary instead of a second copy (clients that read structuredContent get everything; the message
 * stays half the size); past MAX_RESULT_BYTES the call answers with an error saying how to ask for less, since
 * a message that large would end the client's session.
 */
export function successResult(name: string, value: unknown): CallToolResult {
  const text = JSON.stringify(value);
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_RESULT_BYTES) {
    const hint = name === 'realm_export' ? 'pass file to have the document written to a file instead' : 'ask for less (a smaller limit, or narrower filters)';
    return errorResult(new DomainError('invalid_input', `the result is ${MiB(bytes)}, over the ${MiB(MAX_RESULT_BYTES)} one answer may carry; ${hint}`, { field: name === 'realm_export' ? 'file' : 'limit', resultBytes: bytes, maxBytes: MAX_RESULT_BYTES }));
  }
  const summary = bytes > FULL_TEXT_RESULT_BYTES ? textSummary(value as Record<string, unknown>, bytes) : text;
  rememberJson(value, text);
  return { content: [{ type: 'text', text: summary }], structuredContent: value as Record<string, unknown> };
}

/**
 * The text of a result too large to copy: its size, its fields, and the values of those that are not lists or
 * objects (count, nextCursor, nextBefore, dryRun...), so that a client reading only text can still page on.
 */
function textSummary(value: Record<string, unknown>, bytes: number) {
  const values = Object.fromEntries(Object.entries(value).filter(([, v]) => v === null || typeof v !== 'object'));
  return JSON.stringify({ summary: `a ${MiB(bytes)} result; the whole of it is in structuredContent (ask for less to have it as text too)`, bytes, keys: Object.keys(value), values });
}

/** Told of every call: which function, through which transport, how it ended (ok or an error code), how long it took. */
export type CallObserver = (call: { name: string; transport: string; outcome: string; seconds: number }) => void;

/** callFunction, timed and reported to the observer (the metrics). */
export async function observedCall(registry: Registry, name: string, args: unknown, ctx: DomainContext, log: Logger, observe: CallObserver | undefined, transport: string) {
  const started = performance.now();
  const outcome = await callFunction(registry, name, args, ctx, log);
  observe?.({ name: registry.get(name) ? name : 'unknown', transport, outcome: outcome.ok ? 'ok' : outcome.error.code, seconds: (performance.now() - started) / 1000 });
  return outcome;
}

export async function callTool(registry: Registry, name: string, args: unknown, ctx: DomainContext, log: Logger, observe?: CallObserver, transport = 'mcp'): Promise<CallToolResult> {
  const outcome = await observedCall(registry, name, args, ctx, log, observe, transport);
  return outcome.ok ? successResult(name, outcome.value) : errorResult(outcome.error);
}
