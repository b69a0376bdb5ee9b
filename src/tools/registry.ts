import type { Tool } from '@modelcontextprotocol/server';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { errorCodes } from '../domain/errors.js';
import type { Role } from '../domain/principal.js';
import { annotationsFor, isReadOnly } from './annotations.js';
import { holds } from './permissions.js';
import { areaOf, type Area, type FunctionDeclaration, toolName } from './declaration.js';

export interface RegisteredFunction {
  name: string;
  toolset: Area;
  declaration: FunctionDeclaration;
  /** The tools/list entry, computed once. */
  tool: Tool;
  /** The input field holding the realm an operator or agent must stay in (null: the domain scopes it). */
  realmField: string | null;
}

export interface RegistryFilter {
  /** Serve only these areas (all when absent). */
  toolsets?: readonly Area[];
  /** Serve only read-only functions. */
  readOnly?: boolean;
}

const commonErrors = (['invalid_input', 'internal'] as const).map((code) => `${code} (${errorCodes[code].meaning})`).join(', ');

/** The description an LLM reads: the declaration's text, then every error code it can give and when. */
export function fullDescription(d: FunctionDeclaration): string {
  const specific = Object.entries(d.errors).map(([code, when]) => `${code} (${when})`);
  return `${d.description}\nErrors: ${[...specific, commonErrors].join('; ')}.`;
}

/** MCP wants `type: "object"` at the root of both schemas; a union of objects (anyOf) is one too. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output') {
  const json = z.toJSONSchema(schema, { target: 'draft-7', io, unrepresentable: 'any' }) as Record<string, unknown>;
  return ('type' in json ? json : { type: 'object', ...json }) as Tool['inputSchema'];
}

/** The keys of an object schema (through a refinement). */
const inputKeys = (schema: z.ZodType) => Object.keys((schema as unknown as { shape?: Record<string, unknown> }).shape ?? {});

/** A function's tools/list entry. */
export function toolEntry(d: FunctionDeclaration): Tool {
  const name = toolName(d.id);
  return {
    name,
    title: d.title,
    description: fullDescription(d),
    inputSchema: jsonSchema(d.input, 'input'),
    outputSchema: jsonSchema(d.output, 'output') as Tool['outputSchema'],
    annotations: annotationsFor(name, d.title),
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

function register(d: FunctionDeclaration): RegisteredFunction {
  const name = toolName(d.id);
  return {
    name,
    toolset: areaOf(d.id),
    declaration: d,
    realmField: d.realmField ?? (inputKeys(d.input).includes('realmId') ? 'realmId' : null),
    tool: prebuiltTools().get(name) ?? toolEntry(d),
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

  /** The functions a role may call, in catalogue order: what its tools/list shows. */
  functionsFor(role: Role | 'system') {
    return this.functions.filter((f) => holds(role, f.declaration.permission));
  }

  get names() {
    return [...this.byName.keys()];
  }
}
