import { parseArgs } from 'node:util';
import { agentIdPattern } from './domain/params.js';
import type { Role } from './domain/principal.js';
import { areas, type Area } from './tools/declaration.js';

export interface Config {
  db: string;
  /** A PostgreSQL database (postgres://...) instead of the SQLite file: several instances may share it. */
  databaseUrl?: string;
  toolsets?: Area[];
  readOnly: boolean;
  prices?: string;
  /** Which of --prices and CONTROL_PLANE_PRICES named the price file (for its error messages). */
  pricesSource: string;
  /** How long a shutdown waits for running calls before interrupting them (ms). */
  shutdownGraceMs: number;
  /** Who the session acts as: the local user is admin unless told otherwise. */
  role: Role;
  realm?: string;
  agent?: string;
  /** Test-only: also serve the fixtures the MCP conformance suite calls by name. */
  conformanceFixtures: boolean;
  /** Serve HTTP (MCP, REST, health, metrics) instead of stdio. */
  http?: { port: number; host: string; noAuth: boolean; allowedHosts: string[]; sessionIdleMs: number };
}

export const usage = `Usage: control-plane-mcp [--db PATH] [--toolsets realm,hierarchy,...] [--read-only]
       control-plane-mcp --http [--port 3111] [--host 127.0.0.1] [--no-auth] [--db PATH]
       control-plane-mcp token create|list|revoke ...    (control-plane-mcp token --help)

  --db PATH               SQLite database file (default $CONTROL_PLANE_DB or ./data/control-plane.db); ":memory:" works
  --database-url URL      a PostgreSQL database instead, shared by any number of instances (or $DATABASE_URL
                          when it is one and --db is not given)
  --toolsets LIST         serve only these areas: ${areas.join(', ')}
  --read-only             serve only the read-only tools, open the database read-only, run no agents or schedules
  --prices FILE           JSON price table for tokens reported without a cost (or $CONTROL_PLANE_PRICES)
  --shutdown-grace SECS   on stdin EOF, SIGTERM or SIGINT, how long running calls may finish before they are
                          interrupted (default 10, or $CONTROL_PLANE_SHUTDOWN_GRACE)
  --role ROLE             who the session acts as: admin (default), operator (with --realm), or agent (with
                          --realm and --agent); or $CONTROL_PLANE_ROLE, $CONTROL_PLANE_REALM, $CONTROL_PLANE_AGENT
  --realm ID              the one realm an operator or agent works in
  --agent ID              the agent an agent session is
  --http                  serve HTTP instead of stdio: MCP at /mcp (both protocol eras), REST under /api (OpenAPI
                          at /api/openapi.json, a reference at /api/docs), /healthz, /readyz and /metrics
  --port N                the HTTP port (default 3111; 0 picks a free one)
  --host ADDR             the address to listen on (default 127.0.0.1)
  --no-auth               accept HTTP requests without a token, as the local admin (loopback hosts only)
  --allowed-hosts LIST    host names the Host and Origin headers may carry when not on loopback
  --session-idle SECS     close a 2025-11-25 MCP session unused this long (default 1800)
  --conformance-fixtures  (for testing) also serve the fixtures the official MCP conformance suite calls
  --help                  this text
  --version               the version

Serves MCP over stdio (protocol 2025-11-25 and 2026-07-28). Logs go to stderr
(level: $CONTROL_PLANE_LOG_LEVEL, one of fatal, error, warn, info, debug, trace, silent; default info).`;

export class ConfigError extends Error {}

export function parseConfig(argv: string[], env: NodeJS.ProcessEnv): Config | 'help' | 'version' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        db: { type: 'string' },
        'database-url': { type: 'string' },
        toolsets: { type: 'string' },
        'read-only': { type: 'boolean', default: false },
        prices: { type: 'string' },
        'shutdown-grace': { type: 'string' },
        role: { type: 'string' },
        http: { type: 'boolean', default: false },
        port: { type: 'string' },
        host: { type: 'string' },
        'no-auth': { type: 'boolean', default: false },
        'allowed-hosts': { type: 'string' },
        'session-idle': { type: 'string' },
        'conformance-fixtures': { type: 'boolean', default: false },
        realm: { type: 'string' },
        agent: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  if (values.help) return 'help';
  if (values.version) return 'version';
  let toolsets: Area[] | undefined;
  if (values.toolsets !== undefined) {
    const names = values.toolsets.split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = names.filter((n) => !(areas as readonly string[]).includes(n));
    if (unknown.length || names.length === 0) {
      throw new ConfigError(`--toolsets: unknown toolset ${unknown.join(', ') || '(none given)'}; choose from ${areas.join(', ')}`);
    }
    toolsets = names as Area[];
  }
  const graceText = values['shutdown-grace'] ?? env.CONTROL_PLANE_SHUTDOWN_GRACE ?? '10';
  const grace = Number(graceText);
  if (!graceText.trim() || !Number.isFinite(grace) || grace < 0 || grace > 3600) {
    throw new ConfigError(`--shutdown-grace: "${graceText}" is not a number of seconds between 0 and 3600`);
  }
  const role = values.role ?? env.CONTROL_PLANE_ROLE ?? 'admin';
  const realm = (values.realm ?? env.CONTROL_PLANE_REALM)?.trim() || undefined;
  const agent = (values.agent ?? env.CONTROL_PLANE_AGENT)?.trim() || undefined;
  if (!['admin', 'operator', 'agent'].includes(role)) throw new ConfigError(`--role: "${role}" is not a role; use admin, operator or agent`);
  if (role !== 'admin' && !realm) throw new ConfigError(`--role ${role} needs --realm ID (the realm it works in)`);
  if (role === 'agent' && !agent) throw new ConfigError('--role agent needs --agent ID (the agent it is)');
  if (role === 'admin' && (realm || agent)) throw new ConfigError('--realm and --agent go with --role operator or agent; an admin works in every realm');
  if (role === 'operator' && agent) throw new ConfigError('--agent goes with --role agent');
  if (agent && !agentIdPattern.test(agent)) throw new ConfigError(`--agent: "${agent}" is not an agent id`);
  const httpOnly = ['port', 'host', 'no-auth', 'allowed-hosts', 'session-idle'].filter((f) => values[f as keyof typeof values] !== undefined && values[f as keyof typeof values] !== false);
  if (!values.http && httpOnly.length) throw new ConfigError(`--${httpOnly[0]} goes with --http`);
  if (values.http && role !== 'admin') throw new ConfigError('--role is for stdio sessions; over HTTP each token says who the caller is');
  const databaseUrl = databaseUrlOf(values, env);
  const port = Number(values.port ?? 3111);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`--port: "${values.port}" is not a port number`);
  const idle = Number(values['session-idle'] ?? 1800);
  if (!Number.isFinite(idle) || idle <= 0) throw new ConfigError(`--session-idle: "${values['session-idle']}" is not a number of seconds`);
  return {
    ...(values.http
      ? {
          http: {
            port,
            host: values.host ?? '127.0.0.1',
            noAuth: values['no-auth'],
            allowedHosts: (values['allowed-hosts'] ?? '').split(',').map((h) => h.trim()).filter(Boolean),
            sessionIdleMs: idle * 1000,
          },
        }
      : {}),
    role: role as Role,
    conformanceFixtures: values['conformance-fixtures'],
    ...(realm ? { realm } : {}),
    ...(agent ? { agent } : {}),
    db: values.db ?? env.CONTROL_PLANE_DB ?? './data/control-plane.db',
    ...(databaseUrl ? { databaseUrl } : {}),
    toolsets,
    readOnly: values['read-only'],
    prices: values.prices ?? env.CONTROL_PLANE_PRICES,
    pricesSource: values.prices !== undefined ? '--prices' : 'CONTROL_PLANE_PRICES',
    shutdownGraceMs: grace * 1000,
  };
}

const postgresUrl = /^postgres(ql)?:\/\//;

/**
 * The PostgreSQL database named by --database-url, or by $DATABASE_URL when it is one and no --db was given
 * (DATABASE_URL is a common name, so anything else in it is left alone); undefined for SQLite.
 */
export function databaseUrlOf(values: { db?: string; 'database-url'?: string }, env: NodeJS.ProcessEnv): string | undefined {
  const fromEnv = values.db === undefined && postgresUrl.test(env.DATABASE_URL ?? '') ? env.DATABASE_URL : undefined;
  const url = (values['database-url'] ?? fromEnv)?.trim() || undefined;
  if (values['database-url'] !== undefined && values.db !== undefined) throw new ConfigError('--db and --database-url name two databases; give one');
  if (url && !postgresUrl.test(url)) throw new ConfigError('--database-url: expected postgres://user:password@host:port/database');
  return url;
}
