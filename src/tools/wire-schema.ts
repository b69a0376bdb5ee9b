// The JSON Schemas tools/list serves: what zod generates, rewritten to say the same in fewer bytes. Every tool's
// schema stays self-contained (a shape used twice in one schema becomes a $defs entry; nothing refers outside).
// Each rewrite keeps what the schema accepts, except the conventions said once in the server's guide (guide.ts):
// the shared parameters' descriptions, and that an output object has all its fields and no others.
import { z } from 'zod';
import { isSharedDescription } from './guide.js';

type Json = Record<string, unknown>;
export type Io = 'input' | 'output';

const SAFE = Number.MAX_SAFE_INTEGER;

/**
 * What zod generates, complete, with only recursive shapes as $defs (the docs read this one). 2020-12 is the
 * dialect MCP assumes when a schema names none.
 */
export function fullSchema(schema: z.ZodType, io: Io): Json {
  return inlineDefs(generate(schema, io, false), () => true);
}

/**
 * Shapes that another tool's schema gives in full (realm_import's document is realm_export's answer): the wire
 * schema says which, instead of repeating a large shape; the validator still checks all of it.
 */
export const statedBy = z.registry<{ tool: string; io: Io; at?: string }>();

/** Replaces a shape registered in statedBy with an object naming the schema that gives it. */
function pointToStatement(ctx: { zodSchema: z.core.$ZodType; jsonSchema: Record<string, unknown> }) {
  const by = statedBy.get(ctx.zodSchema as z.ZodType);
  if (!by) return;
  const where = by.at ? ` at ${by.at}` : '';
  const description = `${(ctx.zodSchema as z.ZodType).description ?? ''} Its schema is ${by.tool}'s ${by.io}Schema${where}.`.trim();
  for (const key of Object.keys(ctx.jsonSchema)) delete ctx.jsonSchema[key];
  Object.assign(ctx.jsonSchema, { type: 'object', description });
}

function generate(schema: z.ZodType, io: Io, wire: boolean): Json {
  const json = z.toJSONSchema(schema, {
    target: 'draft-2020-12', io, unrepresentable: 'any', reused: 'ref', ...(wire ? { override: pointToStatement } : {}),
  }) as Json;
  // MCP wants `type: "object"` at the root of both schemas; a union of objects (anyOf) is one too.
  return 'type' in json ? json : { type: 'object', ...json };
}

/** Keys dropped wherever they appear with this value: they say what JSON Schema assumes anyway. */
const noise: Record<string, (v: unknown, io: Io, property: string) => boolean> = {
  $schema: () => true,
  // z.number().int() bounds itself to the safe integers; every JSON number we exchange is one.
  minimum: (v) => v === -SAFE,
  maximum: (v) => v === SAFE,
  // Object keys are strings and anything may follow, unless a schema says otherwise.
  propertyNames: (v) => JSON.stringify(v) === '{"type":"string"}',
  additionalProperties: (v, io) => JSON.stringify(v) === '{}' || (io === 'output' && v === false),
  // (An output object with properties puts back what it needs: closedByDefault.)
  description: (v, _, property) => isSharedDescription(property, v as string),
};

/** Keywords whose values are data, copied as they are. */
const literal = new Set(['default', 'const', 'enum', 'examples', 'required']);

const isNull = (s: unknown) => JSON.stringify(s) === '{"type":"null"}';

/** `anyOf: [X, null]` is X with null added to its type (and its enum). */
function foldNullable(node: Json): Json {
  const anyOf = node.anyOf as Json[] | undefined;
  if (!anyOf || anyOf.length !== 2 || !isNull(anyOf[1])) return node;
  const [x] = anyOf as [Json];
  // (An output enum has no type by now: see rewrite.)
  if ((typeof x.type !== 'string' && !Array.isArray(x.enum)) || 'anyOf' in x) return node;
  const { anyOf: _, ...rest } = node;
  return { ...x, ...rest, ...(x.type ? { type: [x.type, 'null'] } : {}), ...(x.enum ? { enum: [...(x.enum as unknown[]), null] } : {}) };
}

/** `property`: the name of the property this node is the schema of ('' elsewhere). */
function rewrite(node: unknown, io: Io, property = ''): unknown {
  if (Array.isArray(node)) return node.map((x) => rewrite(x, io));
  if (node === null || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (noise[key]?.(value, io, property)) continue;
    if (literal.has(key)) {
      out[key] = value;
      continue;
    }
    // Property names are data, not keywords: rewrite their schemas, never drop a property.
    out[key] =
      key === 'properties' ? mapEntries(value as Json, (name, v) => rewrite(v, io, name))
      : key === '$defs' ? mapEntries(value as Json, (name, v) => rewrite(v, io, name))
      : rewrite(value, io);
  }
  const folded = foldNullable(io === 'output' && out.properties ? closedByDefault(out, node as Json) : out);
  // An enum or const names its values, so their type follows (inputs keep it: the REST layer reads it to parse a query).
  if (io === 'output' && (Array.isArray(folded.enum) || 'const' in folded) && folded.type) delete folded.type;
  return folded;
}

/**
 * An output object has all its properties and no others unless it says otherwise (the guide's convention), so
 * `required` listing every property and `additionalProperties: false` go, and the exceptions are spelt out.
 */
function closedByDefault(out: Json, original: Json): Json {
  const required = (out.required as string[] | undefined) ?? [];
  if (required.length === Object.keys(out.properties as Json).length) delete out.required;
  else out.required = required;
  if (original.additionalProperties !== false) out.additionalProperties ??= true;
  return out;
}

const mapEntries = (o: Json, f: (k: string, v: unknown) => unknown) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(k, v)]));

const REF = '#/$defs/';

/**
 * Puts back inline the $defs a reference costs more than (zod extracts every shape used twice, even a bare
 * `{"type": "string"}`, and a reference is about 30 bytes), and names the others after the first property using them.
 */
const inlineCheapDefs = (schema: Json) => inlineDefs(schema, (uses, size) => uses * size <= size + 30 * (uses + 1));

/** Removes the $defs nothing refers to any more (after fields were taken out of a schema). */
export const dropUnusedDefs = (schema: Json) => inlineDefs(schema, (uses) => uses === 0);

/** Puts back inline the non-recursive $defs `cheap` says a reference costs more than. */
function inlineDefs(schema: Json, cheap: (uses: number, size: number) => boolean): Json {
  if (!schema.$defs) return schema;
  const root = withoutAliases(schema);
  const defs = root.$defs as Record<string, Json>;
  const text = JSON.stringify(root);
  const uses = (name: string) => text.split(`"${REF}${name}"`).length - 1;
  const size = (name: string) => JSON.stringify(defs[name]).length;
  const refsOf = (name: string) => [...JSON.stringify(defs[name]).matchAll(/"#\/\$defs\/([^"]+)"/g)].map((m) => m[1]!);
  // A definition that reaches itself (a tree) must stay one.
  const recursive = (name: string) => {
    const seen = new Set<string>();
    const walk = (n: string): boolean => refsOf(n).some((r) => r === name || (!seen.has(r) && (seen.add(r), walk(r))));
    return walk(name);
  };
  const inline = new Set(Object.keys(defs).filter((n) => !recursive(n) && cheap(uses(n), size(n))));
  const names = new Map<string, string>();
  const replace = (node: unknown, property = ''): unknown => {
    if (Array.isArray(node)) return node.map((x) => replace(x, property));
    if (node === null || typeof node !== 'object') return node;
    const { $ref, ...siblings } = node as Json;
    const name = typeof $ref === 'string' && $ref.startsWith(REF) ? $ref.slice(REF.length) : undefined;
    // A reference's siblings (default, description) stay with what it refers to.
    if (name && inline.has(name)) return replace({ ...defs[name], ...siblings }, property);
    if (name?.startsWith('__schema') && !names.has(name)) names.set(name, uniqueName(property || 'shape', names));
    return mapEntries(node as Json, (k, v) => (k === 'properties' ? mapEntries(v as Json, (p, x) => replace(x, p)) : replace(v, property)));
  };
  const { $defs: _, ...rest } = replace(root) as Json;
  const kept = Object.keys(defs).filter((name) => !inline.has(name));
  if (kept.length === 0) return rest;
  const rename = (name: string) => names.get(name) ?? name;
  const renamed = JSON.parse(JSON.stringify({ ...rest, $defs: Object.fromEntries(kept.map((n) => [n, replace(defs[n])])) }).replace(/"#\/\$defs\/(__schema\d+)"/g, (_m, n: string) => `"${REF}${rename(n)}"`));
  renamed.$defs = Object.fromEntries(Object.entries(renamed.$defs as Json).map(([n, d]) => [rename(n), d]));
  return renamed;
}

/** A definition that is only a reference to another (zod's named TreeNode pointing at its shape) takes its place. */
function withoutAliases(root: Json): Json {
  let text = JSON.stringify(root);
  // Several aliases of one shape: the first takes its place, the others point to the first.
  const takenBy = new Map<string, string>();
  for (const [alias, def] of Object.entries(root.$defs as Record<string, Json>)) {
    const target = Object.keys(def).length === 1 && typeof def.$ref === 'string' ? def.$ref.slice(REF.length) : undefined;
    if (!target) continue;
    const parsed = JSON.parse(text) as Json;
    const defs = parsed.$defs as Record<string, Json>;
    const first = takenBy.get(target);
    if (first) {
      delete defs[alias];
      text = JSON.stringify(parsed).replaceAll(`"${REF}${alias}"`, `"${REF}${first}"`);
      continue;
    }
    takenBy.set(target, alias);
    defs[alias] = defs[target]!;
    delete defs[target];
    text = JSON.stringify(parsed).replaceAll(`"${REF}${target}"`, `"${REF}${alias}"`);
  }
  return JSON.parse(text) as Json;
}

const uniqueName = (base: string, taken: Map<string, string>) => {
  const used = new Set(taken.values());
  let name = base;
  for (let i = 2; used.has(name); i++) name = `${base}${i}`;
  return name;
};

/** The schema tools/list serves for a tool's input or output. */
export const wireSchema = (schema: z.ZodType, io: Io) => inlineCheapDefs(rewrite(inlineCheapDefs(generate(schema, io, true)), io) as Json);

/**
 * `schema` as a tool's output (or a part of it) whose shape `tool`'s schema of `io` states in full (`at`: where
 * in it, a JSON Pointer such as `#/properties/missions/items`): tools/list names that schema instead of
 * repeating the shape; zod still validates all of it. The named tool must be served wherever this one is
 * (test/wire-schema.test.ts checks toolset, roles and read-only, and that `at` leads to the shape).
 */
export const statedAs = <T extends z.ZodType>(schema: T, description: string, tool: string, io: Io = 'output', at?: string) =>
  (schema.describe(description) as z.ZodType).register(statedBy, { tool, io, ...(at ? { at } : {}) }) as unknown as T;

/** `schema` as one item of `plural` in `tool`'s page (pageOf), which states it in full. */
export const statedAsItemOf = <T extends z.ZodType>(schema: T, description: string, tool: string, plural: string) =>
  statedAs(schema, description, tool, 'output', `#/properties/${plural}/items`);
