import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import pino from 'pino';
import { expect } from 'vitest';
import { createApp, type App, type AppOptions } from '../../src/app.js';
import { localAdmin, type Principal } from '../../src/domain/principal.js';
import { createMcpServer, type Era } from '../../src/server.js';
import { testStore } from './engine.js';

export interface ToolError {
  code: string;
  message: string;
  details: Record<string, unknown> | null;
}

export const MODERN = '2026-07-28';

/** A v2 Client for an era: 2026-07-28 pinned (modern), or the 2025-11-25 initialize handshake (legacy). */
export const clientFor = (era: Era, name = 'test') =>
  new Client({ name, version: '1' }, era === 'modern' ? { versionNegotiation: { mode: { pin: MODERN } } } : {});

/**
 * A real server on a real database, driven by the SDK's v2 Client in memory: SQLite (":memory:" unless `db`
 * names a file), or a fresh PostgreSQL database under CONTROL_PLANE_TEST_ENGINE=postgres (test/helpers/engine.ts;
 * `db` is then unused). databaseOf(app) names it for a second process; rawSql(app) reaches its rows.
 * The server side is served as stdio is (serveStdio over an in-memory pair), so the era is negotiated exactly
 * as over a pipe: the 2026-07-28 era unless `era: 'legacy'`.
 */
export async function connect(options: Partial<AppOptions> & { principal?: Principal; app?: App; era?: Era } = {}) {
  const shared = options.app !== undefined;
  const era = options.era ?? 'modern';
  const app = options.app ?? (await testApp(options));
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const handle = serveStdio(({ era: negotiated }) => createMcpServer(app, options.principal ?? localAdmin, negotiated), { transport: serverSide });
  const client = clientFor(era);
  await client.connect(clientSide);
  expect(client.getProtocolEra()).toBe(era);
  // Listing the tools makes the Client validate every structuredContent against the tool's output schema.
  const { tools } = await client.listTools();
  return {
    app, client, tools, era, ...callers(client), ...watchers(client, era),
    close: async () => {
      await client.close();
      await handle.close();
      if (!shared) await app.close();
    },
  };
}

/**
 * An app on the test engine's database, for tests that hold apps themselves: SQLite (":memory:" unless `db`
 * names a file) or a fresh PostgreSQL database. Two apps on one database: pass both the same `db` file and the
 * same `openStore: await testStore()`.
 */
export async function testApp(options: Partial<AppOptions> = {}): Promise<App> {
  return createApp({ db: ':memory:', logger: pino({ level: 'silent' }), openStore: await testStore(), ...options });
}

/** Resource subscriptions the way each era makes them: resources/subscribe, or a subscriptions/listen stream. */
export function watchers(client: Client, era: Era) {
  /** Subscribes to a resource; resolves to the function that ends the subscription. */
  async function subscribe(uri: string): Promise<() => Promise<void>> {
    if (era === 'legacy') {
      await client.subscribeResource({ uri });
      return async () => void (await client.unsubscribeResource({ uri }));
    }
    const subscription = await client.listen({ resourceSubscriptions: [uri] });
    return () => subscription.close();
  }
  return { subscribe };
}

export function callers(client: Client) {
  /** Calls a tool that must succeed; checks the text block carries the same JSON as structuredContent. */
  async function call<T = any>(name: string, args: Record<string, unknown> = {}): Promise<T> {
    const result = await client.callTool({ name, arguments: args });
    if (result.isError) throw new Error(`${name} failed: ${(result.content as { text: string }[])[0]?.text}`);
    const content = result.content as { type: string; text: string }[];
    expect(content).toHaveLength(1);
    expect(JSON.parse(content[0]!.text)).toEqual(result.structuredContent);
    return result.structuredContent as T;
  }

  /** Calls a tool that must fail; checks the error result's shape and returns the error. */
  async function fail(name: string, args: Record<string, unknown> = {}): Promise<ToolError> {
    const result = await client.callTool({ name, arguments: args });
    expect(result.isError, `${name} should have failed`).toBe(true);
    expect(result.structuredContent).toBeUndefined();
    const content = result.content as { type: string; text: string }[];
    expect(content).toHaveLength(1);
    const body = JSON.parse(content[0]!.text) as { error: ToolError };
    expect(Object.keys(body)).toEqual(['error']);
    expect(Object.keys(body.error).sort()).toEqual(['code', 'details', 'message']);
    return body.error;
  }

  return { call, fail };
}

export type Caller = ReturnType<typeof callers>;
