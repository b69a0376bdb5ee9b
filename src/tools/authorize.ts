// The one place where a call is checked against who makes it, for every transport: the role must hold the
// function's permission, an operator or agent stays inside its realm, and an agent acts only as itself. What
// a caller may omit is filled in from who it is (its realm, its own agent id).
import { DomainError } from '../domain/errors.js';
import type { Principal } from '../domain/principal.js';
import { holds, type Permission } from './permissions.js';
import type { RegisteredFunction } from './registry.js';

const forbidden = (message: string, details: Record<string, unknown>) => new DomainError('forbidden', message, details);

/** The error for a principal whose role lacks the permission, naming both. */
export const lacks = (principal: Principal, permission: Permission, what: string) =>
  forbidden(`${principal.role} ${principal.id} may not ${what}: it needs ${permission}`, { permission, role: principal.role });

/** The error for a principal reaching outside its realm. */
export const outsideRealm = (principal: Principal, realmId: unknown) =>
  forbidden(`${principal.id} works in realm ${principal.realmId} only, not ${String(realmId)}`, { reason: 'other_realm', realmId: principal.realmId, requested: realmId });

const same = (given: unknown, own: string) => typeof given === 'string' && given.trim() === own;

/**
 * Checks a call and returns the arguments to run it with (a copy, with the caller's realm and identity filled
 * in where they were omitted), or the forbidden error. The arguments are not validated yet: checks compare
 * trimmed strings and leave anything else to the schema.
 */
export function authorize(fn: RegisteredFunction, principal: Principal, args: unknown): { args: unknown } | { error: DomainError } {
  const d = fn.declaration;
  if (!holds(principal.role, d.permission)) return { error: lacks(principal, d.permission, `call ${fn.name}`) };
  if (principal.role === 'admin' || principal.role === 'system') return { args };
  if (args === null || typeof args !== 'object' || Array.isArray(args)) return { args };
  const input: Record<string, unknown> = { ...(args as Record<string, unknown>) };
  for (const field of d.adminOnly ?? []) {
    if (input[field] !== undefined) return { error: forbidden(`only an admin may give ${field} to ${fn.name}`, { field, role: principal.role }) };
  }
  if (fn.realmField && principal.realmId !== undefined) {
    const given = input[fn.realmField];
    if (given === undefined) input[fn.realmField] = principal.realmId;
    else if (!same(given, principal.realmId)) return { error: outsideRealm(principal, given) };
  }
  if (principal.role === 'agent') {
    for (const field of d.actsAs ?? []) {
      const given = input[field];
      if (given === undefined) input[field] = principal.id;
      else if (!same(given, principal.id)) {
        return { error: forbidden(`agent ${principal.id} acts only as itself: ${field} must be ${principal.id}`, { field, reason: 'not_yourself', agentId: principal.id }) };
      }
    }
    for (const [field, value] of Object.entries(d.fixedForAgents ?? {})) {
      const given = input[field];
      if (given === undefined) input[field] = value;
      else if (!same(given, value)) return { error: forbidden(`an agent may give ${field} only as "${value}"`, { field, reason: 'not_yourself' }) };
    }
  }
  return { args: input };
}
