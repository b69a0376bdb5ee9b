import type { Tool, ToolAnnotations } from '@modelcontextprotocol/server';
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import type { Role } from '../domain/principal.js';
import { annotationsFor, isReadOnly } from './annotations.js';
import { holds } from './permissions.js';
import { areaOf, type Area, type FunctionDeclaration, toolName } from './declaration.js';
import { withIdempotencyKey } from './idempotent.js';
import { dropUnusedDefs, wireSchema } from './wire-schema.js';

export interface RegisteredFunction {
  name: string;
  toolset: Area;
  declaration: FunctionDeclaration;
  /** The tools/list entry, computed once. */
  tool: Tool;
  /** An operator's and an agent's entry: without the input fields their principal fills in (filledIn). */
  toolFor: Record<'operator' | 'agent', Tool>;
  /** The input field holding the realm an operator or agent must stay in (null: the domain scopes it). */
  realmField: string | null;
}

export interface RegistryFilter {
  /** Serve only these areas (all when absent). */
  toolsets?: readonly Area[];
  /** Serve only read-only functions. */
  readOnly?: boolean;
}

/**
 * The description an LLM reads: the declaration's text, then the error codes it can give besides the common ones
 * (invalid_input, internal), each with when unless the code's general meaning says it (guide.ts gives those once).
 */
export function fullDescription(d: FunctionDeclaration): string {
  const errors = Object.entries(d.errors).map(([code, when]) => (when === true ? code : `${code} (${when})`));
  return errors.length ? `${d.description}\nErrors: ${errors.join('; ')}.` : d.description;
}

/**
 * All four hints, always explicit (clients differ in the defaults they assume, and the spec's table is checked
 * against them); the title is left out because the tool carries its own.
 */
function wireAnnotations({ title: _, ...hints }: ToolAnnotations): ToolAnnotations {
  return hints;
}

/** The keys of an object schema (through a refinement). */
const inputKeys = (schema: z.ZodType) => Object.keys((schema as unknown as { shape?: Record<string, unknown> }).shape ?? {});

/**
 * The input fields a role's principal determines, which authorize.ts fills in when left out and refuses with any
 * other value: an operator's or agent's realm, and what an agent names itself in. Its schema leaves them out.
 */
function filledIn(d: FunctionDeclaration, realmField: string | null, role: 'operator' | 'agent'): string[] {
  const own = role === 'agent' ? [...(d.actsAs ?? []), ...Object.keys(d.fixedForAgents ?? {})] : [];
  return [...(realmField ? [realmField] : []), ...own];
}

function without(tool: Tool, fields: string[]): Tool {
  if (fields.length === 0) return tool;
  const { properties = {}, required = [], ...rest } = tool.inputSchema;
  const inputSchema = {
    ...rest,
    properties: Object.fromEntries(Object.entries(properties).filter(([key]) => !fields.includes(key))),
    ...(required.some((key) => !fields.includes(key)) ? { required: required.filter((key) => !fields.includes(key)) } : {}),
  };
  return { ...tool, inputSchema: dropUnusedDefs(inputSchema) as Tool['inputSchema'] };
}

/** A function's tools/list entry (what an admin sees). */
export function toolEntry(declared: FunctionDeclaration): Tool {
  const d = withIdempotencyKey(declared);
  const name = toolName(d.id);
  return {
    name,
    title: d.title,
    description: fullDescription(d),
    inputSchema: wireSchema(d.input, 'input') as Tool['inputSchema'],
    outputSchema: wireSchema(d.output, 'output') as Tool['outputSchema'],
    annotations: wireAnnotations(annotationsFor(name, d.title)),
  };
}

/**
 * Every toolEntry of the catalogue, written by the build (scripts/build.mjs) next to dist/: a start-up reads it
 * instead of converting every schema again. Running from src/ there is none, and the entries are computed.
 */
export const TOOLS_FILE = '../tools.json';
let prebuilt: Map<string, Tool> | undefined;
function prebuiltTools(): Map<string, Tool> {
  if (prebuilt) return prebuilt;
  let tools: Tool[] = [];
  try {
    tools = JSON.parse(readFileSync(new URL(TOOLS_FILE, import.meta.url), 'utf8')) as Tool[];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return (prebuilt = new Map(tools.map((t) => [t.name, t])));
}

function register(declared: FunctionDeclaration): RegisteredFunction {
  const d = withIdempotencyKey(declared);
  const name = toolName(d.id);
  const realmField = d.realmField ?? (inputKeys(d.input).includes('realmId') ? 'realmId' : null);
  const tool = prebuiltTools().get(name) ?? toolEntry(d);
  return {
    name,
    toolset: areaOf(d.id),
    declaration: d,
    realmField,
    tool,
    toolFor: { operator: without(tool, filledIn(d, realmField, 'operator')), agent: without(tool, filledIn(d, realmField, 'agent')) },
  };
}

export class Registry {
  private readonly byName: Map<string, RegisteredFunction>;

  constructor(declarations: readonly FunctionDeclaration[], filter: RegistryFilter = {}) {
    const served = declarations
      .map(register)
      .filter((f) => !filter.toolsets || filter.toolsets.includes(f.toolset))
      .filter((f) => !filter.readOnly || isReadOnly(f.name));
    this.byName = new Map(served.map((f) => [f.name, f]));
  }

  get(name: string) {
    return this.byName.get(name);
  }

  get functions() {
    return [...this.byName.values()];
  }

  /** The functions a role may call, in catalogue order, each with the tools/list entry that role gets. */
  functionsFor(role: Role | 'system'): RegisteredFunction[] {
    const callable = this.functions.filter((f) => holds(role, f.declaration.permission));
    return role === 'operator' || role === 'agent' ? callable.map((f) => ({ ...f, tool: f.toolFor[role] })) : callable;
  }

  get names() {
    return [...this.byName.keys()];
  }
}
