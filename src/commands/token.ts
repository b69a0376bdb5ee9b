// `control-plane-mcp token create|list|revoke`: API tokens for the HTTP transport, made on the machine that holds
// the database (whoever can run this can read the database anyway).
import { parseArgs } from 'node:util';
import { migrateDatabase, openDatabase } from '../db/connection.js';
import { SqliteStore } from '../db/sqlite/store.js';
import { systemClock } from '../domain/clock.js';
import { DomainError } from '../domain/errors.js';
import { localAdmin, type Role } from '../domain/principal.js';
import { createToken, listTokens, parseLifetime, revokeToken } from '../domain/tokens/tokens.js';
import type { ApiToken } from '../domain/tokens/model.js';
import type { Store } from '../domain/store.js';
import { ConfigError, databaseUrlOf } from '../config.js';
import { StartupError } from '../startup-error.js';

export const tokenUsage = `Usage: control-plane-mcp token create --role admin|operator|agent [--realm ID] [--agent ID] [--name NAME]
                                    [--expires 90d|12h|never] [--db PATH | --database-url URL]
       control-plane-mcp token list [--db PATH | --database-url URL]
       control-plane-mcp token revoke ID [--db PATH | --database-url URL]

  create prints the token once, on the last line of its output; only a hash of it is stored.
  --name    who the token stands for, recorded as the actor of an admin's or operator's actions
  --expires how long it lives (default 90d)
  The database is the server's: --db (or $CONTROL_PLANE_DB), or PostgreSQL by --database-url (or $DATABASE_URL).`;

const describe = (t: ApiToken) =>
  [t.id, t.role, t.realmId ?? '-', t.agentId ?? '-', t.name, t.expiresAt ?? 'never', t.revokedAt ? `revoked ${t.revokedAt}` : 'active'].join('\t');

/** Runs a token command; returns what to print on stdout. Refusals throw ConfigError (usage) or StartupError. */
export async function tokenCommand(argv: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const [action, ...rest] = argv;
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: {
        db: { type: 'string' }, 'database-url': { type: 'string' }, role: { type: 'string' }, realm: { type: 'string' }, agent: { type: 'string' },
        name: { type: 'string' }, expires: { type: 'string', default: '90d' },
      },
      allowPositionals: action === 'revoke',
      strict: true,
    });
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (!['create', 'list', 'revoke'].includes(action ?? '')) throw new ConfigError(`token: say create, list or revoke (got ${action ?? 'nothing'})`);
  const store = await openStore(values, env);
  const ctx = { store, clock: systemClock, principal: localAdmin };
  try {
    if (action === 'list') {
      const tokens = await listTokens(ctx);
      return ['id\trole\trealm\tagent\tname\texpires\tstatus', ...tokens.map(describe)].join('\n');
    }
    if (action === 'revoke') {
      const id = positionals[0];
      if (!id) throw new ConfigError('token revoke: which token? (token list shows their ids)');
      return `revoked ${describe(await revokeToken(ctx, id))}`;
    }
    const role = values.role;
    if (!role || !['admin', 'operator', 'agent'].includes(role)) throw new ConfigError('token create: --role admin, operator or agent');
    const { token, secret } = await createToken(ctx, {
      role: role as Role,
      realmId: values.realm,
      agentId: values.agent,
      name: values.name,
      expiresInMs: parseLifetime(values.expires!),
    });
    return [
      `token ${token.id}: ${token.role}${token.realmId ? ` of realm ${token.realmId}` : ''}${token.agentId ? `, agent ${token.agentId}` : ''}, for ${token.name}, expires ${token.expiresAt ?? 'never'}`,
      'Send it as "Authorization: Bearer <token>". It is shown only now:',
      secret,
    ].join('\n');
  } catch (error) {
    if (error instanceof DomainError) throw new StartupError(`token ${action}: ${error.message}`, { cause: error });
    throw error;
  } finally {
    await store.close();
  }
}

/** The server's database, migrated, on either engine (pg is loaded only for PostgreSQL). */
async function openStore(values: { db?: string; 'database-url'?: string }, env: NodeJS.ProcessEnv): Promise<Store> {
  const url = databaseUrlOf(values, env);
  if (url) return (await (await import('../db/pg/open.js')).openPostgres(url))('token-command', () => {});
  const { db } = openDatabase(values.db ?? env.CONTROL_PLANE_DB ?? './data/control-plane.db');
  migrateDatabase(db);
  return new SqliteStore(db);
}
