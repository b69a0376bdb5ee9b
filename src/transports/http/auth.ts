// Every HTTP request but /healthz carries `Authorization: Bearer <token>`; the token maps to a principal (or,
// with --no-auth on loopback, the local user is admin). Refusals are 401 with a WWW-Authenticate challenge.
import type { IncomingMessage } from 'node:http';
import type { App } from '../../app.js';
import { DomainError } from '../../domain/errors.js';
import { localAdmin, type Principal } from '../../domain/principal.js';
import { principalForToken, type TokenRefusal } from '../../domain/tokens/tokens.js';

export type Authentication = { principal: Principal } | { refused: DomainError; challenge: string };

const REALM = 'control-plane';

const wording: Record<TokenRefusal | 'missing' | 'scheme', string> = {
  missing: 'send Authorization: Bearer <token> (control-plane-mcp token create makes one)',
  scheme: 'the Authorization header must be "Bearer <token>"',
  malformed: 'the token is not one of ours (cpt_...)',
  unknown: 'the token is not known',
  revoked: 'the token was revoked',
  expired: 'the token has expired',
};

function refuse(reason: keyof typeof wording): Authentication {
  const description = wording[reason];
  // RFC 6750: a request without credentials gets the bare challenge; a bad token gets invalid_token.
  const challenge = reason === 'missing'
    ? `Bearer realm="${REALM}"`
    : `Bearer realm="${REALM}", error="invalid_token", error_description="${description}"`;
  return { refused: new DomainError('unauthorized', description, { reason }), challenge };
}

export async function authenticate(app: App, req: IncomingMessage, noAuth: boolean): Promise<Authentication> {
  if (noAuth) return { principal: localAdmin };
  const header = req.headers.authorization;
  if (!header) return refuse('missing');
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) return refuse('scheme');
  const found = await principalForToken({ store: app.store, clock: app.clock, principal: localAdmin }, match[1]!);
  return 'refused' in found ? refuse(found.refused) : { principal: found.principal };
}
