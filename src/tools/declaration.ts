import type { z } from 'zod';
import type { DomainContext } from '../domain/context.js';
import type { ErrorCode } from '../domain/errors.js';
import type { Permission } from './permissions.js';

export const areas = ['realm', 'hierarchy', 'directive', 'mission', 'ledger', 'council', 'pulse', 'bridge'] as const;
export type Area = (typeof areas)[number];

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** A REST route: `:name` segments are input fields; `fixed` fields are set by the route itself. */
export interface RestRoute {
  method: HttpMethod;
  path: string;
  fixed?: Readonly<Record<string, unknown>>;
}

/** A function's REST route, and other paths it also answers on (the Aragora seed's, for its clients). */
export interface RestDeclaration extends RestRoute {
  aliases?: readonly RestRoute[];
}

/**
 * One function of the catalogue, declared once. MCP tools (and later REST routes, OpenAPI and docs) are
 * generated from it. The tool name (`realm_create`) and the toolset (`realm`) derive from the id.
 */
export interface FunctionDeclaration<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  id: `${Area}::${string}`;
  title: string;
  /** For an LLM reader: what it does, when to use it, what it returns. The error codes are appended. */
  description: string;
  /**
   * Codes this function can give besides invalid_input and internal, with when; `true` when the code's general
   * meaning (errors.ts) says all there is (an id of the input refers to nothing, the realm is suspended...).
   */
  errors: Partial<Record<ErrorCode, string | true>>;
  input: I;
  output: O;
  rest: RestDeclaration | null;
  /** What a caller needs (which roles hold it: permissions.ts). */
  permission: Permission;
  /** Input fields naming who acts: an agent may name only itself there, and an omitted one is itself. */
  actsAs?: readonly string[];
  /** Input fields an agent may only give this value for (an omitted one takes it). */
  fixedForAgents?: Readonly<Record<string, string>>;
  /** Input fields only an admin may give (paths on the server's machine). */
  adminOnly?: readonly string[];
  /** The input field that holds the realm, when it is not `realmId` (the realm tools' `id`). */
  realmField?: string;
  /**
   * Takes an optional idempotencyKey (added to the input by the registry, taken out before run): a repeat with
   * the same key and input returns the first result (src/tools/idempotent.ts). For creates, spends, claims,
   * submits and invokes.
   */
  idempotent?: true;
  run(input: z.output<I>, ctx: DomainContext): Promise<z.input<O>>;
}

/** Declares a function with its input and output types checked against its handler. */
export const declare = <I extends z.ZodType, O extends z.ZodType>(d: FunctionDeclaration<I, O>) =>
  d as unknown as FunctionDeclaration;

/** Every route a function answers on: its own first, then its aliases. */
export const restRoutes = (d: FunctionDeclaration): RestRoute[] => (d.rest ? [d.rest, ...(d.rest.aliases ?? [])] : []);

export const toolName = (id: string) => id.replace('::', '_');
export const areaOf = (id: string) => id.slice(0, id.indexOf('::')) as Area;
