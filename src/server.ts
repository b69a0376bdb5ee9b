import { McpServer, type CallToolResult, type InputRequiredResult, type Tool } from '@modelcontextprotocol/server';
import {
  fixtureResourceUris, fixtureTools, registerFixtureResourcesAndPrompts, registerHeaderFixture, requestStateCodec, type FixtureHooks,
} from './conformance/fixtures.js';
import type { App } from './app.js';
import type { DomainContext } from './domain/context.js';
import type { Principal } from './domain/principal.js';
import { registerUiViews, withUi } from './dashboard/mcp-apps.js';
import { registerBriefing } from './prompts/briefing.js';
import { registerResources } from './resources/register.js';
import { callTool } from './tools/dispatch.js';
import { toolGuide } from './tools/guide.js';
import { version } from './version.js';

const instructions = [
  'control-plane-mcp runs a company of AI agents inside realms (isolated tenants).',
  'Start with realm_create (or realm_list), build the org chart with hierarchy_set, set goals with directive_create,',
  'and hand out work with mission_create; agents take work with mission_checkout and move it with mission_transition.',
  'Every mutation is recorded in the realm\'s hash-chained audit trail. Errors come back as JSON {error: {code, message, details}}.',
].join(' ') + `\n\n${toolGuide}`;

/** The protocol era of a connection: 2025-11-25 (initialize handshake) or 2026-07-28 (per-request envelope). */
export type Era = 'legacy' | 'modern';

export interface ServerOptions {
  era?: Era;
  /**
   * Keep this instance's own resource subscriptions and log messages (a stdio connection, a 2025 HTTP session).
   * A per-request 2026 HTTP instance leaves them to the endpoint, which publishes changes to listen streams.
   */
  notifications?: boolean;
  /** Where the calls come from, for the metrics (stdio, mcp). */
  transport?: string;
  /** How the conformance fixtures announce list changes (default: this instance's own notifications). */
  fixtureHooks?: FixtureHooks;
  /**
   * The one method this instance will serve (a 2026-07-28 HTTP request names it in its Mcp-Method header): a
   * tools/* request needs no resources or prompts registered, which is most of the cost of making a server.
   */
  method?: string;
  /**
   * Runs once a tools/list answer has been handed to the transport (default: App.ready, which starts the
   * background parts the CLI defers). The stdio transport first waits for the answer to be written out.
   */
  afterToolsList?: () => void;
}

/**
 * One MCP server per connection: the transports' factories (serveStdio, the HTTP handlers) call this for every
 * connection, in either era. tools/list and tools/call are served from the registry rather than
 * McpServer.registerTool, so that zod is the only validator and every error carries a code.
 */
export function createMcpServer(app: App, principal: Principal, options: ServerOptions | Era = {}): McpServer {
  const { era = 'legacy', notifications = true, transport = 'stdio', fixtureHooks, method, afterToolsList = () => void app.ready().catch(() => {}) } =
    typeof options === 'string' ? { era: options } : options;
  const fixturesOn = app.conformanceFixtures === true;
  const server = new McpServer(
    { name: 'control-plane-mcp', version, title: 'Control plane for AI agent fleets' },
    {
      // The SDK adds neither resources.subscribe nor logging by itself.
      capabilities: { tools: { listChanged: fixturesOn }, resources: { subscribe: true, listChanged: true }, prompts: { listChanged: fixturesOn }, logging: {} },
      instructions,
      ...(fixturesOn ? { requestState: { verify: requestStateCodec.verify } } : {}),
    },
  );
  // The runner is read when a call runs: the CLI starts it after the connection opens (App.ready).
  const ctx: DomainContext = {
    store: app.store, clock: app.clock, principal,
    get runner() {
      return app.runner ?? undefined;
    },
  };
  const fixtures = new Map(
    (fixturesOn ? fixtureTools(fixtureHooks ?? { toolsChanged: () => server.sendToolListChanged(), promptsChanged: () => server.sendPromptListChanged() }) : []).map((f) => [f.tool.name, f]),
  );
  if (fixturesOn) registerHeaderFixture(server);
  // Each principal sees the tools its role may call (calling another is forbidden, naming the permission).
  // hierarchy_tree and mission_list name the MCP Apps views that draw their results (dashboard/mcp-apps.ts).
  const tools: Tool[] = [...app.registry.functionsFor(principal.role).map((f) => withUi(f.tool)), ...[...fixtures.values()].map((f) => f.tool)];
  server.server.setRequestHandler('tools/list', () => {
    // By the next turn of the event loop the SDK has passed this answer to the transport.
    setImmediate(afterToolsList);
    return { tools };
  });
  server.server.setRequestHandler('tools/call', async (request, reqCtx): Promise<CallToolResult | InputRequiredResult> => {
    const fixture = fixtures.get(request.params.name);
    if (fixture) return fixture.run(request.params.arguments ?? {}, reqCtx);
    // Every call finds the runner and the scheduler in place.
    await app.ready();
    // Long calls (bridge_invoke with wait) report progress when the caller sent a progress token.
    const token = request.params._meta?.progressToken;
    const callCtx: DomainContext =
      token === undefined
        ? ctx
        : {
            ...ctx,
            progress: (p) =>
              void reqCtx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken: token, ...p } }).catch(() => {}),
          };
    return callTool(app.registry, request.params.name, request.params.arguments, callCtx, app.logger, app.observeCall, transport);
  });
  if (method?.startsWith('tools/')) return server;
  const subscriptions = registerResources(server, app, ctx, era, notifications, fixturesOn ? fixtureResourceUris : []);
  registerUiViews(server, principal);
  registerBriefing(server, app, ctx);
  if (fixturesOn) registerFixtureResourcesAndPrompts(server);
  if (subscriptions) {
    const previousOnClose = server.server.onclose;
    server.server.onclose = () => {
      previousOnClose?.();
      subscriptions.close();
    };
  }
  return server;
}
