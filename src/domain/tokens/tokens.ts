// API tokens: `cpt_<id>_<secret>`. The id finds the record; only a SHA-256 of the secret is stored, and it is
// compared in constant time. A token is shown once, when it is made.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isoNow } from '../clock.js';
import type { DomainContext } from '../context.js';
import { DomainError, invalidInput, notFound } from '../errors.js';
import { agentIdPattern } from '../params.js';
import { agentPrincipal, namesAPerson, operatorPrincipal, PERSON_PREFIX, type Principal, type Role } from '../principal.js';
import { requireRealm } from '../realm/guards.js';
import type { ApiToken, StoredToken } from './model.js';

const TOKEN = /^cpt_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const hashOf = (secret: string) => createHash('sha256').update(secret, 'utf8').digest('hex');

export interface NewToken {
  role: Role;
  realmId?: string;
  agentId?: string;
  name?: string;
  /** Milliseconds from now, or null for a token that never expires. */
  expiresInMs: number | null;
}

const publicToken = ({ secretHash: _hash, ...token }: StoredToken): ApiToken => token;

/** Makes a token; returns its record and the token itself (the only time the secret exists outside the caller). */
export async function createToken(ctx: DomainContext, input: NewToken): Promise<{ token: ApiToken; secret: string }> {
  if (input.role !== 'admin' && !input.realmId) throw invalidInput('realm', `a ${input.role} token needs a realm`);
  if (input.role === 'agent' && !input.agentId) throw invalidInput('agent', 'an agent token needs an agent id');
  if (input.role === 'admin' && (input.realmId || input.agentId)) throw invalidInput('realm', 'an admin token is not tied to a realm or agent');
  if (input.role === 'operator' && input.agentId) throw invalidInput('agent', 'an operator token is not tied to an agent');
  if (input.agentId && !agentIdPattern.test(input.agentId)) throw invalidInput('agent', `"${input.agentId}" is not an agent id`);
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const now = ctx.clock.now();
  const record: StoredToken = {
    id,
    name: input.name ?? (input.role === 'agent' ? input.agentId! : `token-${id.slice(0, 6)}`),
    role: input.role,
    realmId: input.realmId ?? null,
    agentId: input.agentId ?? null,
    createdAt: now.toISOString(),
    expiresAt: input.expiresInMs === null ? null : new Date(now.getTime() + input.expiresInMs).toISOString(),
    revokedAt: null,
    secretHash: hashOf(secret),
  };
  await ctx.store.write(function* (tx) {
    if (record.realmId) yield* requireRealm(tx, record.realmId);
    yield* tx.tokens.insert(record);
  });
  return { token: publicToken(record), secret: `cpt_${id}_${secret}` };
}

export const listTokens = (ctx: DomainContext) => ctx.store.read(function* (tx) {
  return (yield* tx.tokens.all()).map(publicToken);
});

export function revokeToken(ctx: DomainContext, id: string): Promise<ApiToken> {
  return ctx.store.write(function* (tx) {
    const token = yield* tx.tokens.get(id);
    if (!token) throw notFound('token', id);
    if (token.revokedAt) throw new DomainError('conflict', `token ${id} was already revoked at ${token.revokedAt}`, { revokedAt: token.revokedAt });
    yield* tx.tokens.revoke(id, isoNow(ctx.clock));
    return publicToken({ ...token, revokedAt: isoNow(ctx.clock) });
  });
}

/** Why a presented token is refused (worded for the WWW-Authenticate challenge). */
export type TokenRefusal = 'malformed' | 'unknown' | 'revoked' | 'expired';

/** The principal a presented token stands for, or why it is refused. */
export async function principalForToken(ctx: DomainContext, presented: string): Promise<{ principal: Principal; token: ApiToken } | { refused: TokenRefusal }> {
  const match = TOKEN.exec(presented);
  if (!match) return { refused: 'malformed' };
  const stored = await ctx.store.read((tx) => tx.tokens.get(match[1]!));
  const expected = Buffer.from(stored?.secretHash ?? '0'.repeat(64), 'hex');
  const given = Buffer.from(hashOf(match[2]!), 'hex');
  // Compared whether or not the id exists, so the time taken says nothing about which ids do.
  if (!timingSafeEqual(expected, given) || !stored) return { refused: 'unknown' };
  if (stored.revokedAt) return { refused: 'revoked' };
  if (stored.expiresAt && stored.expiresAt <= ctx.clock.now().toISOString()) return { refused: 'expired' };
  const subject = namesAPerson(stored.name) ? stored.name : `${PERSON_PREFIX}${stored.name}`;
  const principal: Principal =
    stored.role === 'admin' ? { kind: 'human', id: subject, role: 'admin' }
    : stored.role === 'operator' ? operatorPrincipal(stored.realmId!, subject)
    : agentPrincipal(stored.realmId!, stored.agentId!);
  return { principal, token: publicToken(stored) };
}

/** `30d`, `12h`, `45m`, `90s`, or `never`: how long a new token lives. */
export function parseLifetime(text: string): number | null {
  if (text === 'never') return null;
  const match = /^(\d+)([smhd])$/.exec(text.trim());
  if (!match) throw invalidInput('expires', `"${text}" is not a lifetime; use e.g. 30d, 12h, 45m or never`);
  return Number(match[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 's' | 'm' | 'h' | 'd'];
}
