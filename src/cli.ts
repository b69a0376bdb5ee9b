#!/usr/bin/env node
import './stdout-guard.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createApp } from './app.js';
import { ConfigError, parseConfig, usage } from './config.js';
import { localHuman } from './domain/principal.js';
import { createLogger } from './logger.js';
import { createMcpServer } from './server.js';
import { version } from './version.js';
import { resolve } from 'node:path';

const resolveDb = (db: string) => (db === ':memory:' ? db : resolve(db));

async function main() {
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

  const logger = createLogger();
  // A spawned agent reaches this server through the same binary on the same database.
  const controlPlane = { command: process.execPath, args: [process.argv[1]!, '--db', resolveDb(config.db)] };
  const app = createApp({ ...config, logger, controlPlane, pricesFile: config.prices });
  const server = createMcpServer(app, localHuman);
  const shutdown = async () => {
    // A client that closes stdin right after a request still gets its answer.
    await server.settled();
    await server.mcp.close().catch(() => {});
    await app.close();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  process.stdin.on('end', shutdown);
  await server.mcp.connect(new StdioServerTransport());
  logger.info({ db: config.db, tools: app.registry.names.length, readOnly: config.readOnly }, 'serving MCP on stdio');
}

main().catch((error) => {
  process.stderr.write(`control-plane-mcp: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
