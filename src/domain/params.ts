// Parameter schemas shared by every function, so that bounds and descriptions agree everywhere.
// Inputs are strict objects at every level; strings are trimmed and may not be empty.
import { z } from 'zod';
import { findJsonProblem } from './json-guard.js';
import { NOT_A_PERSON, PERSON_PREFIX } from './principal.js';

const KiB = 1024;

export const text = (max: number) =>
  z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

/**
 * A model's name, as agent CLIs are given it (`-m NAME`, `--model NAME`): one that begins with "-" would be read
 * as another option of the CLI (a file to attach, a session to resume, a URL), so it is refused.
 */
const notAnOption = /^[^-]/;
export const modelName = () => text(200).regex(notAnOption, 'must not begin with "-" (an agent CLI would read it as an option)');
/** Whether a model name (one stored before inputs refused such names) would be read as an option. */
export const looksLikeOption = (model: string) => !notAnOption.test(model);

const jsonSize = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');

/**
 * How deep a free-form object may nest. Half the input limit (MAX_NESTING), so that a realm's export, which
 * holds these objects a few levels down, always fits back into realm_import.
 */
export const MAX_FREEFORM_NESTING = 32;

/** A free-form JSON object of at most `maxBytes` (metadata, payload, details, context). */
export const jsonObject = (maxBytes = 64 * KiB) =>
  z
    .record(z.string(), z.unknown())
    .refine((v) => findJsonProblem(v, MAX_FREEFORM_NESTING)?.kind !== 'too_deep', `must not nest more than ${MAX_FREEFORM_NESTING} levels deep`)
    .refine((v) => jsonSize(v) <= maxBytes, `must be at most ${maxBytes / KiB} KiB of JSON`);

export const agentIdPattern = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;

export const realmId = text(128).describe('The realm id (realm-<uuid>), as returned by realm_create or realm_list.');
// "system" is the server's own actor (the scheduler, recovery, the bridge's spends): an id a caller gives may not
// be it, or the audit chain would credit the caller's act to the server.
const notTheSystem = /^(?!system$)/;
const NOT_THE_SYSTEM = 'must not be "system" (the server\'s own actor)';

export const agentId = z
  .string()
  .trim()
  .regex(agentIdPattern, 'must start with a letter or digit and use only letters, digits and . _ : @ - (at most 128)')
  .regex(notTheSystem, NOT_THE_SYSTEM)
  .describe('An agent id chosen by the caller, e.g. "agent-cto".');
/**
 * The id of a node being made (hierarchy_set, a hire, an import). An acting id beginning `human:` is recorded
 * in the audit chain as a person: a node with such an id would have every act of its agent recorded as a
 * person's.
 */
export const newAgentId = agentId.regex(new RegExp(`^(?!${PERSON_PREFIX})`), NOT_A_PERSON);
export const entityId = (what: string) => text(128).describe(`The ${what} id.`);
/** A principal that acts but need not be a node of the org chart (createdBy, authorId, requestedBy ...). */
export const principalId = (what: string) => text(128).regex(notTheSystem, NOT_THE_SYSTEM).describe(what);

export const title = text(500);
export const longText = text(64 * KiB);

export const rank = z.number().int().min(0).max(10);
export const expectedVersion = z
  .number()
  .int()
  .min(0)
  .describe('Optimistic concurrency: the version you read. A mismatch is `conflict` with the current version.');
export const limit = z.number().int().min(1).max(1000).default(50).describe('Page size, 1-1000 (default 50).');
export const cursor = z
  .string()
  .trim()
  .min(1)
  .max(2048)
  .describe('The nextCursor of the previous page, with the same filters.');

/** Capabilities are trimmed, lower-cased and deduplicated; at most 32 of at most 64 characters. */
export const capabilities = z
  .array(text(64))
  .transform((caps) => [...new Set(caps.map((c) => c.toLowerCase()))])
  .pipe(z.array(z.string()).max(32, 'at most 32 distinct capabilities'));

export const maxDepth = z.number().int().min(0).max(64);
