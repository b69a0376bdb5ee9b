// What holds for every tool, said once instead of in each tool's description and schema: the error codes, the
// shared parameters and the shape of results. The server's instructions carry it (toolGuide) and docs/tools.md
// renders it; the wire schemas (wire-schema.ts) leave out what it says.
import { errorCodes } from '../domain/errors.js';
import { leaseFence } from '../domain/mission/fields.js';
import { agentId, cursor, expectedVersion, limit, realmId } from '../domain/params.js';
import { idempotencyKey } from './idempotent.js';
import { pageFields } from './outputs.js';

/** Parameters (and list fields) many tools share, with the one description each has everywhere. */
export const sharedParameters: readonly { name: string; description: string }[] = [
  { name: 'realmId', description: realmId.description! },
  { name: 'agentId', description: agentId.description! },
  { name: 'expectedVersion', description: expectedVersion.description! },
  { name: 'limit', description: limit.description! },
  { name: 'cursor', description: cursor.description! },
  { name: 'idempotencyKey', description: idempotencyKey.description! },
  { name: 'fence', description: leaseFence.description! },
  { name: 'count', description: `(lists) ${pageFields.count.description!}` },
  { name: 'nextCursor', description: `(lists) ${pageFields.nextCursor.description!}` },
];

/** Whether a property's description is the one the guide gives for every property of that name. */
export const isSharedDescription = (property: string, description: string) =>
  sharedParameters.some((p) => p.name === property && p.description.endsWith(description));

/** The error codes every call can give, which descriptions do not repeat. */
export const commonErrorCodes = ['invalid_input', 'internal'] as const;

export const outputConvention =
  'An object in an output schema has all its properties (null when empty) unless it lists `required`, and no others.';

export const filledInConvention =
  'An operator\'s or agent\'s tool schemas leave out the fields its principal fills in: its realm (realmId, or id for realm tools) ' +
  'and, for an agent, the fields naming who acts (agentId, createdBy, authorId, requestedBy, actorId, actorKind), which are itself.';

/** The guide as one text for the server's instructions. */
export const toolGuide = [
  'Conventions of every tool:',
  `- ${outputConvention}`,
  `- ${filledInConvention}`,
  '- A failed call is a result with isError and the text {"error": {code, message, details}}. Each description lists the codes it can give ' +
    `besides ${commonErrorCodes.join(' and ')}; codes without a note there mean:`,
  ...Object.entries(errorCodes).map(([code, { meaning }]) => `  ${code}: ${meaning}`),
  '- Parameters without a description in a schema:',
  ...sharedParameters.map((p) => `  ${p.name}: ${p.description}`),
].join('\n');
