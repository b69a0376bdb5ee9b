#!/usr/bin/env node
import './stdout-guard.js';
import { resolve } from 'node:path';
import { createAppWith, type App, type Background } from './app-core.js';
import { ConfigError, parseConfig, usage, type Config } from './config.js';
import { agentPrincipal, localAdmin, operatorPrincipal, type Principal } from './domain/principal.js';
import { limitHeapGrowth } from './heap-growth.js';
import { createLogger, LogLevelError, stderrSink } from './logger.js';
import { StartupError } from './startup-error.js';
import { serveOverStdio } from './transports/stdio.js';
import { version } from './version.js';

const resolveDb = (db: string) => (db === ':memory:' ? db : resolve(db));

/**
 * The runner, recovery and scheduler, loaded from their own bundle chunk after the first answers: a start-up
 * to tools/list does not need them (they bring execa and the adapters). Failing to load them is a broken
 * install: the server stops rather than serve without them.
 */
const deferred: Background = (core) =>
  import('./app-background.js').then(
    ({ startBackground }) => startBackground(core),
    (error: unknown) => refuseToStart(new StartupError(`the installation is incomplete: ${(error as Error).message}`, { cause: error })),
  );
const BACKGROUND_AT_LATEST_MS = 500;
const debugging = () => ['debug', 'trace'].includes(process.env.CONTROL_PLANE_LOG_LEVEL ?? '');

/** One line for a person (what is wrong and what to do), the stack only when they asked for debug logs. */
function refuseToStart(error: unknown): Promise<never> {
  const known = error instanceof StartupError || error instanceof LogLevelError;
  const line = known ? (error as Error).message : `could not start: ${error instanceof Error ? error.message : String(error)}`;
  process.stderr.write(`control-plane-mcp: ${line}\n`);
  if (debugging()) {
    const cause = (error as Error | undefined)?.cause ?? error;
    process.stderr.write(`${(cause as Error)?.stack ?? String(cause)}\n`);
  }
  // Let stderr drain (it is asynchronous on pipes) before leaving; nothing else runs meanwhile.
  process.stderr.write('', () => process.exit(1));
  return new Promise<never>(() => {});
}

async function main() {
  if (process.argv[2] === 'token') {
    // Imported here and for --http below: a stdio start-up loads neither (one bundle chunk each).
    const { tokenCommand, tokenUsage } = await import('./commands/token.js');
    try {
      process.stdout.write(`${await tokenCommand(process.argv.slice(3), process.env)}\n`);
      return;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      process.stderr.write(`control-plane-mcp: ${error.message}\n\n${tokenUsage}\n`);
      process.exit(2);
    }
  }
  let config;
  try {
    config = parseConfig(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`control-plane-mcp: ${error.message}\n\n${usage}\n`);
    process.exit(2);
  }
  // Not serving MCP in these two cases, so stdout is free.
  if (config === 'help') return void process.stdout.write(`${usage}\n`);
  if (config === 'version') return void process.stdout.write(`${version}\n`);
  limitHeapGrowth();

  let app;
  let principal: Principal;
  try {
    const logger = createLogger();
    // A spawned agent reaches this server through the same binary on the same database; a PostgreSQL URL
    // (with its password) goes by environment, not argv.
    const controlPlane = config.databaseUrl
      ? { command: process.execPath, args: [process.argv[1]!], env: { DATABASE_URL: config.databaseUrl } }
      : { command: process.execPath, args: [process.argv[1]!, '--db', resolveDb(config.db)] };
    // An agent session never runs other agents' schedules.
    // A PostgreSQL server loads pg (and applies its migrations) only when asked for.
    const openStore = config.databaseUrl ? await (await import('./db/pg/open.js')).openPostgres(config.databaseUrl, { readOnly: config.readOnly }) : undefined;
    app = createAppWith({ ...config, openStore, logger, controlPlane, pricesFile: config.prices, pricesSource: config.pricesSource, scheduler: config.role === 'agent' ? false : undefined }, deferred);
    principal = config.role === 'admin' ? localAdmin : config.role === 'operator' ? operatorPrincipal(config.realm!) : agentPrincipal(config.realm!, config.agent!);
    if (principal.realmId !== undefined && !(await app.store.read((tx) => tx.realms.get(principal.realmId!)))) {
      await app.close();
      throw new StartupError(`--realm ${principal.realmId}: no such realm in ${config.databaseUrl ? 'the PostgreSQL database' : config.db}; check the id (realm_list as an admin shows them)`);
    }
  } catch (error) {
    return refuseToStart(error);
  }

  if (config.http) return serveOverHttp(app, config.http, config.shutdownGraceMs);

  const serving = serveOverStdio(app, principal, { graceMs: config.shutdownGraceMs, watchParent: true });
  // The first tools/list answer or tools/call starts the background parts (src/server.ts); a client that
  // sends neither gets them started shortly all the same (the scheduler must run, lost runs be recovered).
  setTimeout(() => void app.ready(), BACKGROUND_AT_LATEST_MS).unref();
  stderrSink.onGone((error) => void serving.clientGone(error));
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // A second signal means "now".
    if (++signals > 1) process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    void serving.shutdown(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  app.logger.info({ db: config.db, role: principal.role, realmId: principal.realmId, principalId: principal.id, readOnly: config.readOnly, version }, 'serving MCP on stdio');
  await serving.done;
  process.exit(0);
}

/** --http: serves until SIGTERM or SIGINT, then lets requests in flight finish (up to the grace period). */
async function serveOverHttp(app: App, options: NonNullable<Config['http']>, graceMs: number) {
  let serving;
  try {
    const { loopbackHosts, serveHttp } = await import('./transports/http/server.js');
    // HTTP start-up is not raced: everything is in place before the port opens.
    await app.ready();
    if (options.noAuth && !loopbackHosts.has(options.host)) {
      throw new StartupError(`--no-auth serves everything to anyone who can connect: only on a loopback --host (127.0.0.1, ::1, localhost), not ${options.host}`);
    }
    serving = await serveHttp(app, options);
  } catch (error) {
    await app.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      return refuseToStart(new StartupError(`--port ${options.port} on --host ${options.host}: cannot listen (${code}); choose another --port or --host`, { cause: error }));
    }
    return refuseToStart(error);
  }
  if (options.noAuth) app.logger.warn('serving HTTP without tokens (--no-auth): every local process is admin');
  app.logger.info({ url: serving.url, mcp: `${serving.url}/mcp`, api: `${serving.url}/api/docs`, version }, 'serving HTTP');
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    app.logger.info({ reason: signal }, 'shutting down: finishing the requests in flight');
    const deadline = setTimeout(() => process.exit(0), graceMs + 5000);
    deadline.unref();
    void serving.close().then(() => app.close()).then(() => process.exit(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

void main().catch(refuseToStart);
