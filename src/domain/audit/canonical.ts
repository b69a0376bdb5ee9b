import canonicalize from 'canonicalize';
import { DomainError } from '../errors.js';

/** RFC 8785 canonical JSON: keys sorted at every depth, no whitespace, numbers as JSON.stringify writes them. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new DomainError('invalid_input', 'value cannot be written as JSON');
  return text;
}
