import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import pino from 'pino';
import { expect } from 'vitest';
import { createApp, type App, type AppOptions } from '../../src/app.js';
import { localHuman, type Principal } from '../../src/domain/principal.js';
import { createMcpServer } from '../../src/server.js';

export interface ToolError {
  code: string;
  message: string;
  details: Record<string, unknown> | null;
}

/** A real server on a real SQLite database (":memory:" unless given), driven by the SDK Client in memory. */
export async function connect(options: Partial<AppOptions> & { principal?: Principal; app?: App } = {}) {
  const shared = options.app !== undefined;
  const app = options.app ?? createApp({ db: ':memory:', logger: pino({ level: 'silent' }), ...options });
  const server = createMcpServer(app, options.principal ?? localHuman);
  const client = new Client({ name: 'test', version: '1' });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.mcp.connect(serverSide), client.connect(clientSide)]);
  // Listing the tools makes the Client validate every structuredContent against the tool's output schema.
  const { tools } = await client.listTools();
  return { app, client, server, tools, ...callers(client), close: async () => {
    await client.close();
    if (!shared) app.close();
  } };
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
