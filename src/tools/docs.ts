import { errorCodes } from '../domain/errors.js';
import { MAX_NESTING } from '../domain/json-guard.js';
import { MAX_FREEFORM_NESTING } from '../domain/params.js';
import { FULL_TEXT_RESULT_BYTES, MAX_MESSAGE_BYTES, MAX_RESULT_BYTES } from '../limits.js';
import { restRoutes } from './declaration.js';
import { annotationsFor } from './annotations.js';
import { commonErrorCodes, filledInConvention, outputConvention, sharedParameters } from './guide.js';
import { holds, roles } from './permissions.js';
import type { RegisteredFunction, Registry } from './registry.js';
import { fullSchema } from './wire-schema.js';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const MiB = (bytes: number) => (bytes < 1024 * 1024 ? `${bytes / 1024} KiB` : `${bytes / 1024 / 1024} MiB`);

type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  $ref?: string;
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
};

/** A short type for a JSON schema: `string`, `"a" \| "b"`, `number[]`, `object`. */
function typeOf(schema: JsonSchema): string {
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.anyOf) return [...new Set(schema.anyOf.map(typeOf))].join(' \\| ');
  if (schema.$ref) return schema.$ref.split('/').at(-1)!;
  if (schema.type === 'array') return `${schema.items ? typeOf(schema.items) : 'any'}[]`;
  if (Array.isArray(schema.type)) return schema.type.join(' \\| ');
  return schema.type ?? 'any';
}

/** The parameters as zod states them, every description included (tools/list leaves out the shared ones). */
function parameters(f: RegisteredFunction): string[] {
  const schema = fullSchema(f.declaration.input, 'input') as JsonSchema;
  const entries = Object.entries(schema.properties ?? {});
  if (entries.length === 0) return ['No parameters.', ''];
  const required = new Set(schema.required ?? []);
  return [
    '| parameter | type | | description |',
    '|---|---|---|---|',
    ...entries.map(([name, p]) => {
      const flag = required.has(name) ? 'required' : p.default !== undefined ? `default ${JSON.stringify(p.default)}` : 'optional';
      return `| \`${name}\` | ${typeOf(p)} | ${flag} | ${cell(p.description ?? '')} |`;
    }),
    '',
  ];
}

const conventions = [
  '## Conventions',
  '',
  '- **Results.** A successful call returns its result as `structuredContent` and the same JSON as one text block. ' +
    `Past ${MiB(FULL_TEXT_RESULT_BYTES)} the text block is a short summary (its size, its fields, and the values of those that are not lists or objects, such as \`count\` and \`nextCursor\`; the whole result stays in \`structuredContent\`); ` +
    `past ${MiB(MAX_RESULT_BYTES)} the call fails with \`invalid_input\` saying how to ask for less (\`realm_export\` can write a file instead).`,
  '- **Errors.** A failed call is a result with `isError: true` and one text block `{"error": {"code", "message", "details"}}`. ' +
    'Protocol-level problems (not JSON, not JSON-RPC 2.0, a message over the size limit) are JSON-RPC errors (-32700, -32600, -32602).',
  `- **Inputs.** Every input is a strict object: unknown keys (\`__proto__\` included) are refused and the accepted keys listed. ` +
    `Strings are trimmed and may not be empty; every string must be well-formed Unicode; no value may sit more than ${MAX_NESTING} levels ` +
    `below the arguments, and free-form objects (metadata, payload, details, context) at most ${MAX_FREEFORM_NESTING} levels deep, ` +
    `so that a realm's export always imports back; one message may be at most ${MiB(MAX_MESSAGE_BYTES)}.`,
  '- **Lists** take `limit` (1-1000, default 50) and `cursor`, and return `nextCursor` (null on the last page).',
  '- **Updates** take an optional `expectedVersion`: the write happens only if the record is still at that version, else `conflict` with the current one.',
  '- **Money** is in cents with up to 4 decimal places.',
  '',
  '- **Who may call what.** Every caller is a principal: an `admin` (everything), an `operator` (everything inside its one ' +
    'realm but making, importing or deleting realms and registering runtimes) or an `agent` (its realm, as itself). Each tool needs one permission; the ' +
    'roles holding it are in the tables below. An operator or agent may leave `realmId` out (it is filled in) and may name no ' +
    'other realm; refusals are `forbidden` with `details.permission` or `details.field`.',
  '',
  `- **Outputs.** Every result matches its tool's output schema. ${outputConvention}`,
  `- **Schemas per role.** ${filledInConvention} The tables below list every field.`,
  '',
  '### Shared parameters',
  '',
  'These mean the same in every tool; tools/list gives their descriptions once, in the server\'s instructions, not in each schema.',
  '',
  '| parameter | description |',
  '|---|---|',
  ...sharedParameters.map((p) => `| \`${p.name}\` | ${cell(p.description)} |`),
  '',
  '### Error codes',
  '',
  `Every call can give ${commonErrorCodes.map((c) => `\`${c}\``).join(' and ')}; each tool lists the others it can give, with when unless the meaning below says it.`,
  '',
  '| code | HTTP status | meaning |',
  '|---|---|---|',
  ...Object.entries(errorCodes).map(([code, { status, meaning }]) => `| \`${code}\` | ${status} | ${cell(meaning)} |`),
  '',
];

/** docs/tools.md, generated from the declarations (npm run docs); a test keeps the committed copy current. */
export function renderToolsMarkdown(registry: Registry): string {
  const out = ['# Tools', '', 'Generated from the function declarations by `npm run docs`; do not edit by hand.', '', ...conventions];
  const toolsets = [...new Set(registry.functions.map((f) => f.toolset))];
  for (const toolset of toolsets) {
    const functions = registry.functions.filter((x) => x.toolset === toolset);
    out.push(`## ${toolset}`, '', '| tool | REST | hints | who may call it | what it does |', '|---|---|---|---|---|');
    for (const f of functions) {
      // Every hint, as the annotation table has it (tools/list leaves out those equal to MCP's defaults).
      const a = annotationsFor(f.name, f.declaration.title);
      const hints = [a.readOnlyHint && 'read-only', a.destructiveHint && 'destructive', a.idempotentHint && 'idempotent', a.openWorldHint && 'open-world']
        .filter(Boolean)
        .join(', ');
      const rest = restRoutes(f.declaration).map((r) => `\`${r.method} ${r.path}\``).join('<br>');
      const who = roles.filter((role) => holds(role, f.declaration.permission)).join(', ');
      out.push(`| [\`${f.name}\`](#${f.name}) | ${rest} | ${hints} | ${who} | ${cell(f.declaration.title)} |`);
    }
    out.push('');
    for (const f of functions) {
      const errors = Object.entries(f.declaration.errors).map(([code, when]) => (when === true ? `\`${code}\`` : `\`${code}\` (${when})`));
      const acts = f.declaration.actsAs?.length ? ` An agent names only itself in ${f.declaration.actsAs.map((a) => `\`${a}\``).join(', ')} (left out, it is filled in).` : '';
      const admin = f.declaration.adminOnly?.length ? ` Only an admin may give ${f.declaration.adminOnly.map((a) => `\`${a}\``).join(', ')}.` : '';
      out.push(`### ${f.name}`, '', f.declaration.description, '', `Permission: \`${f.declaration.permission}\`.${acts}${admin}`, '', ...parameters(f));
      out.push(`Errors: ${[...errors, ...commonErrorCodes.map((c) => `\`${c}\``)].join('; ')}.`, '');
    }
  }
  return out.join('\n');
}
