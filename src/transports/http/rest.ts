// The REST API, generated from the declarations' `rest` routes: never a route written by hand. Path parameters,
// the query string and the JSON body are merged into one input, validated by the function's own schema, and run
// through the same dispatch as an MCP tool call (permissions included); errors keep their codes, at their status.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App } from '../../app.js';
import type { DomainContext } from '../../domain/context.js';
import { DomainError, invalidInput } from '../../domain/errors.js';
import type { Principal } from '../../domain/principal.js';
import { observedCall } from '../../tools/dispatch.js';
import { restRoutes } from '../../tools/declaration.js';
import { IDEMPOTENCY_KEY } from '../../tools/idempotent.js';
import type { RegisteredFunction, Registry } from '../../tools/registry.js';
import { BodyTooLarge, isJson, readBody, refuse, sendError, sendJson } from './io.js';

/** Methods whose input is a JSON body (the others take the query string; a DELETE may send a body too). */
export const bodyMethods = new Set(['POST', 'PATCH']);
export const pathParams = (path: string) => [...path.matchAll(/:(\w+)/g)].map((m) => m[1]!);

interface Route {
  method: string;
  /** Literal segments as strings, parameters as {param}. */
  segments: (string | { param: string })[];
  literals: number;
  fixed: Readonly<Record<string, unknown>>;
  fn: RegisteredFunction;
}

type JsonSchema = { type?: string | string[]; anyOf?: JsonSchema[]; items?: JsonSchema; properties?: Record<string, JsonSchema> };

/** A query-string value as the type the schema wants (zod still validates it). */
function coerce(values: string[], schema: JsonSchema | undefined): unknown {
  const types = schema?.anyOf ? schema.anyOf.flatMap((s) => s.type ?? []) : [schema?.type ?? 'string'].flat();
  if (types.includes('array')) {
    const items = schema?.anyOf?.find((s) => s.type === 'array')?.items ?? schema?.items;
    return values.flatMap((v) => v.split(',')).map((v) => coerce([v], items));
  }
  const value = values.at(-1)!;
  if (value === 'null' && types.includes('null')) return null;
  if ((types.includes('integer') || types.includes('number')) && /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(value)) return Number(value);
  if (types.includes('boolean') && (value === 'true' || value === 'false')) return value === 'true';
  if (types.includes('object')) {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  return value;
}

export class RestRouter {
  private readonly routes: Route[];

  constructor(registry: Registry) {
    this.routes = registry.functions.flatMap((fn) =>
      restRoutes(fn.declaration).map((rest) => {
        const segments = rest.path.split('/').filter(Boolean).map((s) => (s.startsWith(':') ? { param: s.slice(1) } : s));
        return { method: rest.method, segments, literals: segments.filter((s) => typeof s === 'string').length, fixed: rest.fixed ?? {}, fn };
      }),
    );
    // The most specific route wins: /api/realms/import before /api/realms/:id.
    this.routes.sort((a, b) => b.literals - a.literals);
  }

  get size() {
    return this.routes.length;
  }

  /** The route for a method and path, with its parameters; or the methods the path does take; or null. */
  match(method: string, pathname: string): { fn: RegisteredFunction; params: Record<string, unknown> } | { methods: string[] } | null {
    let parts: string[];
    try {
      parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      return null;
    }
    const methods: string[] = [];
    for (const route of this.routes) {
      if (route.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      const fits = route.segments.every((s, i) => (typeof s === 'string' ? s === parts[i] : ((params[s.param] = parts[i]!), true)));
      if (!fits) continue;
      if (route.method === method) return { fn: route.fn, params: { ...params, ...route.fixed } };
      methods.push(route.method);
    }
    return methods.length ? { methods: [...new Set(methods)] } : null;
  }
}

/** Merges the three places an input comes from; the same field given twice, differently, is refused. */
function mergeInput(fn: RegisteredFunction, params: Record<string, unknown>, query: URLSearchParams, body: Record<string, unknown>): Record<string, unknown> {
  const properties = (fn.tool.inputSchema as JsonSchema).properties ?? {};
  const input: Record<string, unknown> = { ...body };
  for (const key of new Set(query.keys())) {
    if (key in input) throw invalidInput(key, `${key} is given both in the query string and in the body`);
    input[key] = coerce(query.getAll(key), properties[key]);
  }
  for (const [key, value] of Object.entries(params)) {
    if (key in input && input[key] !== value) throw invalidInput(key, `${key} is ${JSON.stringify(value)} in the path but ${JSON.stringify(input[key])} in the request`);
    input[key] = value;
  }
  return input;
}

/**
 * The Idempotency-Key header (the IETF draft's, as Stripe's clients send it) as the input's idempotencyKey:
 * refused on a function that takes no key (the caller would think itself protected), and when the body gives
 * another one.
 */
function withKeyHeader(fn: RegisteredFunction, input: Record<string, unknown>, header: string | string[] | undefined): Record<string, unknown> | DomainError {
  if (header === undefined) return input;
  const field = 'Idempotency-Key';
  if (!fn.declaration.idempotent) return invalidInput(field, `${fn.name} takes no idempotency key (it is not a create, spend, claim, submit or invoke)`);
  if (Array.isArray(header)) return invalidInput(field, 'give one Idempotency-Key header');
  if (IDEMPOTENCY_KEY in input && input[IDEMPOTENCY_KEY] !== header) return invalidInput(field, `the Idempotency-Key header is ${JSON.stringify(header)} but the body's idempotencyKey is ${JSON.stringify(input[IDEMPOTENCY_KEY])}`);
  return { ...input, [IDEMPOTENCY_KEY]: header };
}

export async function handleRest(
  app: App,
  router: RestRouter,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  ctx: DomainContext & { principal: Principal },
  maxBytes: number,
) {
  const found = router.match(req.method ?? 'GET', url.pathname);
  if (!found) return refuse(res, 404, `no route ${req.method} ${url.pathname}; the routes are listed in /api/openapi.json`);
  if ('methods' in found) return refuse(res, 405, `${url.pathname} takes ${found.methods.join(', ')}, not ${req.method}`, { allow: found.methods.join(', ') });
  let body: Record<string, unknown> = {};
  if (bodyMethods.has(req.method!) || req.method === 'DELETE') {
    let raw: Buffer;
    try {
      raw = await readBody(req, maxBytes);
    } catch (error) {
      if (error instanceof BodyTooLarge) return refuse(res, 413, `the body is over ${maxBytes} bytes`);
      throw error;
    }
    if (raw.length > 0) {
      if (!isJson(req)) return refuse(res, 415, 'the body must be JSON (Content-Type: application/json)');
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw.toString('utf8'));
      } catch (error) {
        return sendError(res, new DomainError('invalid_input', `the body is not valid JSON (${(error as Error).message})`, { field: null }));
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        return sendError(res, new DomainError('invalid_input', 'the body must be a JSON object', { field: null }));
      }
      body = parsed as Record<string, unknown>;
    }
  }
  let input: Record<string, unknown>;
  try {
    input = mergeInput(found.fn, found.params, url.searchParams, body);
  } catch (error) {
    return sendError(res, error as DomainError);
  }
  const keyed = withKeyHeader(found.fn, input, req.headers['idempotency-key']);
  if (keyed instanceof DomainError) return sendError(res, keyed);
  const outcome = await observedCall(app.registry, found.fn.name, keyed, ctx, app.logger, app.observeCall, 'rest');
  if (outcome.ok) return sendJson(res, 200, outcome.value);
  return sendError(res, outcome.error);
}
