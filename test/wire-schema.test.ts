import { AjvJsonSchemaValidator } from '@modelcontextprotocol/client/validators/ajv';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { catalogue } from '../src/tools/catalogue.js';
import { sharedParameters } from '../src/tools/guide.js';
import { Registry } from '../src/tools/registry.js';
import { fullSchema, wireSchema } from '../src/tools/wire-schema.js';

// The validator the SDK's Client checks structuredContent with (2020-12: our schemas name no dialect).
const validator = new AjvJsonSchemaValidator();
const accepts = (schema: object, value: unknown) => validator.getValidator(schema as never)(value).valid;

type Node = Record<string, unknown>;
function collect(node: unknown, into: { descriptions: string[]; properties: string[]; refs: string[] }) {
  if (Array.isArray(node)) return node.forEach((x) => collect(x, into));
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node as Node)) {
    if (key === 'description') into.descriptions.push(value as string);
    else if (key === '$ref') into.refs.push(value as string);
    else if (key === 'properties') for (const [name, p] of Object.entries(value as Node)) (into.properties.push(name), collect(p, into));
    else if (!['enum', 'const', 'default', 'required'].includes(key)) collect(value, into);
  }
  return into;
}
const facts = (schema: unknown) => collect(schema, { descriptions: [], properties: [], refs: [] })!;

const registry = new Registry(catalogue);

/** The other tools' schemas a wire schema names instead of repeating them. */
const stated = (schema: unknown) =>
  facts(schema).descriptions.flatMap((d) => [...d.matchAll(/Its schema is (\w+)'s (input|output)Schema/g)].map((m) => ({ tool: m[1]!, io: m[2] as 'input' | 'output' })));

describe('the schemas tools/list serves', () => {
  it('are self-contained: every $ref points into the same schema', () => {
    for (const f of registry.functions) {
      for (const schema of [f.tool.inputSchema, f.tool.outputSchema!]) {
        const defs = (schema.$defs ?? {}) as Node;
        for (const ref of facts(schema).refs) expect(Object.keys(defs).map((n) => `#/$defs/${n}`), `${f.name} ${ref}`).toContain(ref);
        expect(schema, f.name).not.toHaveProperty('$schema');
      }
    }
  });

  it('name only tools served beside them: same toolset, callable by every role that may call the naming tool', () => {
    let named = 0;
    for (const f of registry.functions) {
      for (const schema of [f.tool.inputSchema, f.tool.outputSchema!]) {
        for (const { tool } of stated(schema)) {
          named++;
          const target = registry.get(tool);
          expect(target, `${f.name} names ${tool}`).toBeDefined();
          expect(target!.toolset, `${f.name} names ${tool}`).toBe(f.toolset);
          for (const role of ['admin', 'operator', 'agent'] as const) {
            if (registry.functionsFor(role).some((g) => g.name === f.name)) expect(registry.functionsFor(role).map((g) => g.name), `${role}: ${f.name} names ${tool}`).toContain(tool);
          }
          // --read-only serves only read-only tools: a read-only tool may name only another one.
          if (f.tool.annotations?.readOnlyHint) expect(target!.tool.annotations?.readOnlyHint, `${f.name} names ${tool}`).toBe(true);
        }
      }
    }
    expect(named).toBeGreaterThan(0);
  });

  it('name a place that states the shape, in every role\'s schemas: `at` leads to an object with its properties', () => {
    let placed = 0;
    for (const role of ['admin', 'operator', 'agent'] as const) {
      // What this role is served: its own schemas (an operator's and an agent's leave fields out).
      const served = new Map(registry.functionsFor(role).map((f) => [f.name, f.tool]));
      for (const [name, tool] of served) {
        for (const schema of [tool.inputSchema, tool.outputSchema!]) {
          for (const d of facts(schema).descriptions) {
            for (const [, named, io, at] of d.matchAll(/Its schema is (\w+)'s (input|output)Schema(?: at (#\/[\w/]+))?\./g)) {
              const target = served.get(named!)?.[io === 'input' ? 'inputSchema' : 'outputSchema'] as Node | undefined;
              expect(target, `${role}: ${name} names ${named}`).toBeDefined();
              const shape = (at ?? '#').slice(2).split('/').filter(Boolean).reduce<Node | undefined>((node, key) => node?.[key] as Node | undefined, target);
              expect(shape, `${role}: ${name}: ${d}`).toBeDefined();
              // An object with its properties, or a union of such (realm_export's document or file summary).
              const objects = Array.isArray(shape!.anyOf) ? (shape!.anyOf as Node[]) : [shape!];
              for (const o of objects) expect(Object.keys((o.properties ?? {}) as Node).length, `${role}: ${name}: ${d}`).toBeGreaterThan(2);
              if (at) placed++;
            }
          }
        }
      }
    }
    expect(placed).toBeGreaterThan(15);
  });

  it('lose no property, and no description but the shared ones the guide gives once', () => {
    const shared = new Set(sharedParameters.map((p) => p.description.replace(/^\(lists\) /, '')));
    for (const f of registry.functions) {
      for (const [zod, io, wire] of [[f.declaration.input, 'input', f.tool.inputSchema], [f.declaration.output, 'output', f.tool.outputSchema!]] as const) {
        const full = facts(fullSchema(zod, io));
        const lean = facts(wire);
        // A shape another tool states in full is named instead (realm_import's document is realm_export's output).
        const named = stated(wire).map(({ tool, io: by }) => facts(fullSchema(registry.get(tool)!.declaration[by], by)));
        const elsewhere = named.length ? { properties: named.flatMap((x) => x.properties), descriptions: named.flatMap((x) => x.descriptions) } : null;
        for (const name of full.properties) expect([...lean.properties, ...(elsewhere?.properties ?? [])], `${f.name} ${io}`).toContain(name);
        for (const d of full.descriptions.filter((x) => !lean.descriptions.some((l) => l.includes(x)))) {
          expect(shared.has(d) || elsewhere?.descriptions.includes(d), `${f.name} ${io}: "${d}"`).toBe(true);
        }
      }
    }
  });
});

describe('wireSchema', () => {
  it('folds a nullable into the type, and validates as zod does', () => {
    const schema = z.object({ a: z.enum(['x', 'y']).nullable(), n: z.number().int().nullable(), list: z.array(z.string()).nullable() });
    const wire = wireSchema(schema, 'input');
    expect(JSON.stringify(wire)).not.toContain('anyOf');
    expect((wire.properties as Node).a).toEqual({ type: ['string', 'null'], enum: ['x', 'y', null] });
    // An output enum goes without its type: the values say it.
    expect((wireSchema(schema, 'output').properties as Node).a).toEqual({ enum: ['x', 'y', null] });
    for (const value of [{ a: null, n: null, list: null }, { a: 'x', n: 1, list: ['q'] }, { a: 'z', n: 1, list: [] }, { a: 'x', n: 1.5, list: [] }, { a: 'x', n: 1, list: [1] }, { a: 'x', n: 1, list: [], extra: 1 }]) {
      expect(accepts(wire, value), JSON.stringify(value)).toBe(schema.safeParse(value).success);
    }
  });

  it('gives a shape used twice once, in $defs, and the client validates through the reference', () => {
    const Scope = z.object({ spent: z.number(), alert: z.enum(['warning', 'critical']).nullable() });
    const schema = z.object({ agent: Scope.nullable(), realm: Scope.nullable() });
    const wire = wireSchema(schema, 'output');
    expect(Object.keys(wire.$defs as Node)).toEqual(['agent']);
    expect(accepts(wire, { agent: { spent: 1, alert: null }, realm: null })).toBe(true);
    expect(accepts(wire, { agent: null, realm: { spent: 'a lot', alert: null } })).toBe(false);
  });

  it('leaves out of an output object the required list and the closed flag the guide states, and keeps the exceptions', () => {
    const wire = wireSchema(z.object({ id: z.string(), note: z.string().optional(), bag: z.looseObject({ k: z.string() }) }), 'output');
    expect(wire.required).toEqual(['id', 'bag']);
    expect(wire).not.toHaveProperty('additionalProperties');
    const bag = (wire.properties as Node).bag as Node;
    expect(bag).not.toHaveProperty('required');
    expect(bag.additionalProperties).toBe(true);
  });

  it('keeps the strict inputs and their defaults, and drops only the bounds every integer has', () => {
    const wire = wireSchema(z.strictObject({ limit: z.number().int().min(1).max(1000).default(50), n: z.number().int() }), 'input');
    expect(wire).toEqual({
      type: 'object',
      properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 }, n: { type: 'integer' } },
      required: ['n'],
      additionalProperties: false,
    });
  });
});
