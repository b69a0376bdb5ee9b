import { z } from 'zod';
import { DomainError } from './errors.js';

type Issue = z.core.$ZodIssue;

export const fieldOf = (path: readonly PropertyKey[]) =>
  path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '');

/** The object schema found at `path`, looking through optional, nullable, default, pipe and array wrappers. */
function objectAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodObject | null {
  let current: unknown = schema;
  const unwrap = (s: unknown): unknown => {
    for (let i = 0; i < 10; i++) {
      const def = (s as { _zod?: { def?: Record<string, unknown> } })?._zod?.def;
      if (!def) return s;
      if (def.type === 'optional' || def.type === 'nullable' || def.type === 'default' || def.type === 'readonly') s = def.innerType;
      else if (def.type === 'pipe') s = def.in;
      else if (def.type === 'lazy') s = (def.getter as () => unknown)();
      else return s;
    }
    return s;
  };
  for (const key of path) {
    current = unwrap(current);
    if (current instanceof z.ZodObject) current = current.shape[key as string];
    else if (current instanceof z.ZodArray) current = current.element;
    else return null;
  }
  current = unwrap(current);
  return current instanceof z.ZodObject ? current : null;
}

function describe(issue: Issue, field: string, schema: z.ZodType): { message: string; accepted?: string[] } {
  // `field` is the full path for messages; issue.path is relative to `schema` for finding accepted keys.
  const name = field || 'arguments';
  // With reportInput, an absent input means the field was left out, whatever check it failed.
  const missing = 'input' in issue && issue.input === undefined;
  if (missing && (issue.code === 'invalid_type' || issue.code === 'invalid_value' || issue.code === 'invalid_union')) {
    return { message: `${name} is required` };
  }
  switch (issue.code) {
    case 'unrecognized_keys': {
      const accepted = Object.keys(objectAt(schema, issue.path)?.shape ?? {});
      const keys = issue.keys.map((k) => (field ? `${field}.${k}` : k));
      return {
        message: `unknown key${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')}; accepted keys${field ? ` of ${field}` : ''}: ${accepted.join(', ')}`,
        accepted,
      };
    }
    case 'invalid_type':
      return { message: `${name} must be ${issue.expected === 'int' ? 'an integer' : `a${/^[aeiou]/.test(issue.expected) ? 'n' : ''} ${issue.expected}`} (got ${issue.input === null ? 'null' : Array.isArray(issue.input) ? 'array' : typeof issue.input})` };
    case 'too_big':
    case 'too_small': {
      // Our own messages (e.g. "must not be empty") are kept; zod's generic ones are rephrased.
      if (!/^Too (big|small)/.test(issue.message)) break;
      const bound = issue.code === 'too_big' ? issue.maximum : issue.minimum;
      const side = issue.code === 'too_big' ? 'at most' : 'at least';
      const unit = issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' items' : '';
      return { message: `${name} must be ${side} ${String(bound)}${unit}` };
    }
    case 'invalid_value':
      return { message: `${name} must be one of: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}` };
  }
  return { message: `${name}: ${issue.message}` };
}

/** The error for unknown keys found outside zod (e.g. `__proto__`, which a parse would silently drop). */
export function unknownKeysError(schema: z.ZodType | undefined, path: readonly PropertyKey[], keys: string[]): DomainError {
  const field = fieldOf(path);
  if (schema && objectAt(schema, path)) {
    const issue = { code: 'unrecognized_keys', keys, path: [...path], message: '' } as unknown as Issue;
    const { message, accepted } = describe(issue, field, schema);
    return new DomainError('invalid_input', message, { field: field || null, ...(accepted ? { accepted } : {}) });
  }
  // A free-form object (metadata, payload): any key but these is fine.
  return new DomainError('invalid_input', `${field || 'arguments'} may not hold the key${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')}`, { field: field || null });
}

/**
 * Turns zod's issues into one invalid_input error that names the field (and lists accepted keys).
 * `under` is the path of the validated value inside the whole input (e.g. ["payload"]).
 */
export function invalidInputFrom(error: z.ZodError, schema: z.ZodType, under: PropertyKey[] = []): DomainError {
  const issues = error.issues.map((issue) => {
    const field = fieldOf([...under, ...issue.path]);
    return { field, ...describe(issue, field, schema) };
  });
  const first = issues[0]!;
  const message = issues.length === 1 ? first.message : `${first.message} (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})`;
  return new DomainError('invalid_input', message, {
    field: first.field || null,
    ...(first.accepted ? { accepted: first.accepted } : {}),
    issues: issues.map(({ field, message: m }) => ({ field, message: m })),
  });
}

/** Parses `value` with `schema` or throws invalid_input naming the field under `under`. */
export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, under: PropertyKey[] = []): z.output<T> {
  const parsed = schema.safeParse(value, { reportInput: true });
  if (!parsed.success) throw invalidInputFrom(parsed.error, schema, under);
  return parsed.data;
}
