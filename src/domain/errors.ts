// The one error the domain throws. The registry turns it into the error result (or an HTTP status).
// Every code, with its HTTP status and what it means to a caller: the docs and the tool descriptions read this.
export const errorCodes = {
  invalid_input: { status: 400, meaning: 'a missing, malformed or unknown field; details.field names it' },
  unauthorized: { status: 401, meaning: 'no valid credentials (HTTP only)' },
  budget_exceeded: { status: 402, meaning: 'the agent or realm is past a hard budget limit' },
  forbidden: { status: 403, meaning: 'the caller may not do this; details say why' },
  not_found: { status: 404, meaning: 'an id refers to nothing; details.entity and details.id name it' },
  conflict: { status: 409, meaning: 'the state refuses it (a version mismatch, a mission someone else holds, a duplicate)' },
  invalid_transition: { status: 422, meaning: 'a status move that is not allowed; details.allowed lists the moves' },
  cycle_detected: { status: 422, meaning: 'the change would make a loop in a tree' },
  realm_suspended: { status: 423, meaning: 'the realm is suspended or archived' },
  internal: { status: 500, meaning: 'a bug; details.requestId' },
  runtime_error: { status: 502, meaning: 'an agent runtime failed to start or answer' },
} as const;

export const errorStatus = Object.fromEntries(Object.entries(errorCodes).map(([code, { status }]) => [code, status])) as {
  [C in keyof typeof errorCodes]: (typeof errorCodes)[C]['status'];
};

export type ErrorCode = keyof typeof errorCodes;

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> | null = null,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const invalidInput = (field: string, message: string, details: Record<string, unknown> = {}) =>
  new DomainError('invalid_input', message, { field, ...details });

export const notFound = (entity: string, id: string, details: Record<string, unknown> = {}) =>
  new DomainError('not_found', `${entity} ${id} not found`, { entity, id, ...details });

export const versionConflict = (entity: string, id: string, currentVersion: number, expectedVersion: number) =>
  new DomainError(
    'conflict',
    `${entity} ${id} is at version ${currentVersion}, not ${expectedVersion}: read it again and retry`,
    { entity, id, currentVersion, expectedVersion },
  );
