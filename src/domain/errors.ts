// The one error the domain throws. The registry turns it into the spec's error result (or an HTTP status).
export const errorStatus = {
  invalid_input: 400,
  unauthorized: 401,
  budget_exceeded: 402,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  invalid_transition: 422,
  cycle_detected: 422,
  realm_suspended: 423,
  internal: 500,
  runtime_error: 502,
} as const;

export type ErrorCode = keyof typeof errorStatus;

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
