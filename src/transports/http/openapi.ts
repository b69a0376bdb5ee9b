// The OpenAPI 3.1 document of the REST API, generated (with zod-openapi) from the same declarations and zod
// schemas as the MCP tools: every route, its parameters, body, result and error responses, and the bearer
// security scheme.
import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';
import { errorCodes, type ErrorCode } from '../../domain/errors.js';
import { restRoutes } from '../../tools/declaration.js';
import { idempotencyKey } from '../../tools/idempotent.js';
import { fullDescription, type Registry } from '../../tools/registry.js';
import { version } from '../../version.js';
import { bodyMethods, pathParams } from './rest.js';

const ErrorBody = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(errorCodes) as [ErrorCode, ...ErrorCode[]]),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).nullable(),
    }),
  })
  .meta({ id: 'Error', description: 'Every failure: a code (see the table in the description), a message for a person, and details.' });

/** The error responses a function can give: its own codes, and those every call can give. */
function errorResponses(codes: ErrorCode[]) {
  const byStatus = new Map<number, string[]>();
  for (const code of new Set<ErrorCode>([...codes, 'invalid_input', 'unauthorized', 'forbidden', 'internal'])) {
    const status = errorCodes[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), `${code}: ${errorCodes[code].meaning}`]);
  }
  return Object.fromEntries(
    [...byStatus].sort(([a], [b]) => a - b).map(([status, lines]) => [String(status), { description: lines.join('; '), content: { 'application/json': { schema: ErrorBody } } }]),
  );
}

export function openApiDocument(registry: Registry): object {
  const paths: ZodOpenApiPathsObject = {};
  for (const f of registry.functions) {
    for (const [i, rest] of restRoutes(f.declaration).entries()) {
      const params = pathParams(rest.path);
      const fixed = Object.keys(rest.fixed ?? {});
      const input = f.declaration.input as z.ZodObject;
      const shape = input.shape;
      const omitted = [...params, ...fixed];
      const others = omitted.length ? input.omit(Object.fromEntries(omitted.map((p) => [p, true])) as never) : input;
      const alias = i === 0 ? '' : ` Alias of \`${f.declaration.rest!.method} ${f.declaration.rest!.path}\`${fixed.length ? ` with ${fixed.map((k) => `${k}=${JSON.stringify(rest.fixed![k])}`).join(', ')}` : ''} (the Aragora control plane's path).`;
      const operation: ZodOpenApiOperationObject = {
        operationId: i === 0 ? f.name : `${f.name}_alias${i}`,
        summary: f.declaration.title,
        description: `${fullDescription(f.declaration)}\n\nPermission: \`${f.declaration.permission}\`. MCP tool: \`${f.name}\`.${alias}`,
        tags: [f.toolset],
        requestParams: {
          ...(params.length ? { path: z.object(Object.fromEntries(params.map((p) => [p, shape[p]!]))) } : {}),
          ...(bodyMethods.has(rest.method) ? {} : { query: others }),
          ...(f.declaration.idempotent ? { header: z.object({ 'Idempotency-Key': idempotencyKey.optional().describe('The body\'s idempotencyKey, as a header (both given must be equal): a repeat returns the first result for 24 hours.') }) } : {}),
        },
        ...(bodyMethods.has(rest.method) ? { requestBody: { required: true, content: { 'application/json': { schema: others } } } } : {}),
        responses: {
          '200': { description: 'The result, as the MCP tool returns it in structuredContent.', content: { 'application/json': { schema: f.declaration.output } } },
          ...errorResponses(Object.keys(f.declaration.errors) as ErrorCode[]),
        },
      };
      const path = rest.path.replace(/:(\w+)/g, '{$1}');
      paths[path] = { ...paths[path], [rest.method.toLowerCase()]: operation };
    }
  }
  const codes = Object.entries(errorCodes).map(([code, { status, meaning }]) => `| \`${code}\` | ${status} | ${meaning} |`);
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'control-plane-mcp REST API',
      version,
      description: [
        'The same functions as the MCP tools, over REST: path parameters, query and JSON body are merged into one input and validated by the same schemas.',
        'Lists take `limit` and `cursor` and return `nextCursor`. Every request needs `Authorization: Bearer <token>` (`control-plane-mcp token create`).',
        '',
        '| code | status | meaning |',
        '|---|---|---|',
        ...codes,
      ].join('\n'),
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API token: cpt_<id>_<secret>.' } } },
    tags: [...new Set(registry.functions.map((f) => f.toolset))].map((name) => ({ name })),
    paths,
  });
}
