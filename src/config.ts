import { parseArgs } from 'node:util';
import { agentIdPattern } from './domain/params.js';
import type { Role } from './domain/principal.js';
import { areas, type Area } from './tools/declaration.js';

export interface Config {
  db: string;
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
}

export const usage = `Usage: control-plane-mcp [--db PATH] [--toolsets realm,hierarchy,...] [--read-only]

  --db PATH               SQLite database file (default $CONTROL_PLANE_DB or ./data/control-plane.db); ":memory:" works
  --toolsets LIST         serve only these areas: ${areas.join(', ')}
  --read-only             serve only the read-only tools, open the database read-only, run no agents or schedules
  --prices FILE           JSON price table for tokens reported without a cost (or $CONTROL_PLANE_PRICES)
  --shutdown-grace SECS   on stdin EOF, SIGTERM or SIGINT, how long running calls may finish before they are
                          interrupted (default 10, or $CONTROL_PLANE_SHUTDOWN_GRACE)
  --role ROLE             who the session acts as: admin (default), operator (with --realm), or agent (with
                          --realm and --agent); or $CONTROL_PLANE_ROLE, $CONTROL_PLANE_REALM, $CONTROL_PLANE_AGENT
  --realm ID              the one realm an operator or agent works in
  --agent ID              the agent an agent session is
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
        toolsets: { type: 'string' },
        'read-only': { type: 'boolean', default: false },
        prices: { type: 'string' },
        'shutdown-grace': { type: 'string' },
        role: { type: 'string' },
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
  return {
    role: role as Role,
    ...(realm ? { realm } : {}),
    ...(agent ? { agent } : {}),
    db: values.db ?? env.CONTROL_PLANE_DB ?? './data/control-plane.db',
    toolsets,
    readOnly: values['read-only'],
    prices: values.prices ?? env.CONTROL_PLANE_PRICES,
    pricesSource: values.prices !== undefined ? '--prices' : 'CONTROL_PLANE_PRICES',
    shutdownGraceMs: grace * 1000,
  };
}
