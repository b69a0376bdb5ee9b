// Checks any JSON input once, before a schema (or the SDK) walks it recursively: nesting that would overflow
// the stack, strings that are not well-formed Unicode (they break canonical JSON and hashing), NUL characters
// (a PostgreSQL text or jsonb value cannot hold U+0000: one in a mission's required capabilities made every
// claim of its realm fail there, while SQLite kept it; refused on both engines alike), and the `__proto__`
// key (JSON.parse makes it an own property; a later copy would set a prototype and lose it).
import type { z } from 'zod';
import { DomainError } from './errors.js';
import { fieldOf, unknownKeysError } from './validation.js';

/** No value may sit more than this many levels below the object that holds the arguments. */
export const MAX_NESTING = 64;

export type JsonProblemKind = 'too_deep' | 'lone_surrogate' | 'nul_char' | 'proto_key';

export interface JsonProblem {
  kind: JsonProblemKind;
  /** Path to the offending value (for proto_key: to the object holding the key). */
  path: (string | number)[];
}

interface Frame {
  value: unknown;
  depth: number;
  parent: Frame | null;
  key: string | number | null;
}

const pathOf = (frame: Frame) => {
  const path: (string | number)[] = [];
  for (let f: Frame | null = frame; f && f.key !== null; f = f.parent) path.push(f.key);
  return path.reverse();
};

// String.prototype.isWellFormed is in Node 20 (V8 11.3); the ES2023 lib we compile against does not type it.
const wellFormed = (s: string) => (s as string & { isWellFormed(): boolean }).isWellFormed();

const stringProblem = (s: string): JsonProblemKind | null => (!wellFormed(s) ? 'lone_surrogate' : s.includes('\u0000') ? 'nul_char' : null);

/** The first problem found in `root` (whose own children are at depth 1; deeper than maxDepth is a problem), without recursion. */
export function findJsonProblem(root: unknown, maxDepth = MAX_NESTING): JsonProblem | null {
  const stack: Frame[] = [{ value: root, depth: 0, parent: null, key: null }];
  while (stack.length) {
    const frame = stack.pop()!;
    const { value, depth } = frame;
    if (depth > maxDepth) return { kind: 'too_deep', path: pathOf(frame) };
    if (typeof value === 'string') {
      const kind = stringProblem(value);
      if (kind) return { kind, path: pathOf(frame) };
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], depth: depth + 1, parent: frame, key: i });
      continue;
    }
    const keys = Object.keys(value);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      if (key === '__proto__') return { kind: 'proto_key', path: pathOf(frame) };
      const child: Frame = { value: (value as Record<string, unknown>)[key], depth: depth + 1, parent: frame, key };
      const kind = stringProblem(key);
      if (kind) return { kind, path: pathOf(child) };
      stack.push(child);
    }
  }
  return null;
}

/** The invalid_input error for a problem found in a function's arguments (`schema` lists the accepted keys). */
export function jsonProblemError(problem: JsonProblem, schema?: z.ZodType): DomainError {
  const field = fieldOf(problem.path);
  switch (problem.kind) {
    case 'too_deep': {
      const top = String(problem.path[0] ?? 'arguments');
      return new DomainError('invalid_input', `${top} is nested more than ${MAX_NESTING} levels deep`, {
        field: top,
        maxDepth: MAX_NESTING,
        path: fieldOf(problem.path.slice(0, 8)) + (problem.path.length > 8 ? '…' : ''),
      });
    }
    case 'lone_surrogate':
      return new DomainError('invalid_input', `${field || 'a key'} is not well-formed Unicode (it holds a lone UTF-16 surrogate such as \\ud800)`, { field });
    case 'nul_char':
      return new DomainError('invalid_input', `${field || 'a key'} holds a NUL character (U+0000), which no text may hold`, { field });
    case 'proto_key':
      return unknownKeysError(schema, problem.path, ['__proto__']);
  }
}

/** Checks a function's raw arguments; null when they are fine to hand to its schema. */
export function guardArguments(args: unknown, schema?: z.ZodType): DomainError | null {
  const problem = findJsonProblem(args);
  return problem ? jsonProblemError(problem, schema) : null;
}
