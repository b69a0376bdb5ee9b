// MCP over Streamable HTTP at /mcp, in both protocol eras on one endpoint:
//  - 2026-07-28 requests go to the SDK's createMcpHandler (stateless: one server instance per request); resource
//    changes reach their subscriptions/listen streams through the handler's notify.
//  - 2025-11-25 clients get sessions (NodeStreamableHTTPServerTransport, keyed by mcp-session-id), so their
//    resources/subscribe works: each session's server keeps its subscriptions, as on stdio. Idle sessions are
//    evicted; DELETE and close clean up.
import { classifyInboundRequest, createMcpHandler, type AuthInfo, type JSONRPCMessage } from '@modelcontextprotocol/server';
import { NodeStreamableHTTPServerTransport, toNodeHandler } from '@modelcontextprotocol/node';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App } from '../../app.js';
import type { Principal } from '../../domain/principal.js';
import { urisTouched } from '../../resources/declarations.js';
import { mayWatch } from '../../resources/register.js';
import { createMcpServer } from '../../server.js';
import { checkMessage, protocolError, readableProtocolError } from '../jsonrpc-guard.js';
import { sessionEventStore } from './event-store.js';
import { BodyTooLarge, isJson, readBody, sendJson } from './io.js';

interface Session {
  transport: NodeStreamableHTTPServerTransport;
  principal: Principal;
  lastSeen: number;
  /** Responses still open (a GET stream, a long call): a client that is listening is not idle. */
  open: number;
}

export interface McpEndpointOptions {
  maxBytes: number;
  /** A 2025 session unused this long is closed (ms). */
  sessionIdleMs: number;
}

export interface McpEndpoint {
  /** `watchUpdates` is given the response when it is an update stream: a GET stream or a subscriptions/listen. */
  handle(req: IncomingMessage, res: ServerResponse, principal: Principal, watchUpdates?: (res: ServerResponse) => void): Promise<void>;
  counts(): { legacy: number; modern: number };
  close(): Promise<void>;
}

/** The same principal: a session answers only to whoever opened it. */
const samePrincipal = (a: Principal, b: Principal) => a.role === b.role && a.id === b.id && a.realmId === b.realmId;

const COALESCE_MS = 250;

/** Publishes this process's and other processes' changes to the 2026 listen streams, at most once per URI per 250 ms. */
function publishChanges(app: App, notify: { resourceUpdated(uri: string): void; resourcesChanged(): void }) {
  const pending = new Map<string, NodeJS.Timeout>();
  const lastSent = new Map<string, number>();
  const stop = app.bus.subscribe('*', (message) => {
    if (message.topic === 'realm.lifecycle' && ['created', 'deleted'].includes(message.payload.event as string)) notify.resourcesChanged();
    for (const uri of urisTouched(message.topic, message.realmId, message.payload)) {
      if (pending.has(uri)) continue;
      const timer = setTimeout(() => {
        pending.delete(uri);
        lastSent.set(uri, Date.now());
        notify.resourceUpdated(uri);
      }, Math.max(0, (lastSent.get(uri) ?? 0) + COALESCE_MS - Date.now()));
      timer.unref();
      pending.set(uri, timer);
    }
  });
  return () => {
    stop();
    for (const timer of pending.values()) clearTimeout(timer);
  };
}

/**
 * Whether the SDK classifies a request as 2025-11-25 traffic, by its own rules (body first, then the
 * MCP-Protocol-Version and Mcp-Method headers), called on what we already parsed rather than through
 * isLegacyRequest, which builds a second web Request for every call.
 */
function isLegacy(req: IncomingMessage, body: unknown): boolean {
  const header = (name: string) => {
    const value = req.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const outcome = classifyInboundRequest({
    httpMethod: req.method ?? 'GET',
    protocolVersionHeader: header('mcp-protocol-version'),
    mcpMethodHeader: header('mcp-method'),
    mcpNameHeader: header('mcp-name'),
    ...(body === undefined ? {} : { body }),
  } as never);
  return outcome.kind === 'legacy';
}

const authInfo = (principal: Principal): AuthInfo => ({ token: 'bearer', clientId: principal.id, scopes: [], extra: { principal } });

export function mcpEndpoint(app: App, options: McpEndpointOptions): McpEndpoint {
  const onerror = (error: Error) => app.logger.debug({ err: error }, 'MCP over HTTP reported an error');
  let modernInFlight = 0;
  const modern = createMcpHandler(
    ({ authInfo: info, requestInfo }) =>
      createMcpServer(app, (info?.extra as { principal: Principal }).principal, {
        era: 'modern',
        notifications: false,
        transport: 'mcp',
        method: requestInfo?.headers.get('mcp-method') ?? undefined,
        fixtureHooks: { toolsChanged: () => modern.notify.toolsChanged(), promptsChanged: () => modern.notify.promptsChanged() },
      }),
    { legacy: 'reject', maxRequestBodySize: options.maxBytes, onerror },
  );
  const serveModern = toNodeHandler(modern, { maxRequestBodySize: options.maxBytes, onerror });
  const stopPublishing = publishChanges(app, modern.notify);
  const sessions = new Map<string, Session>();
  const sweeper = setInterval(() => {
    const now = Date.now();
    for (const [id, session] of sessions) {
      if (session.open > 0 || now - session.lastSeen < options.sessionIdleMs) continue;
      sessions.delete(id);
      app.logger.info({ sessionId: id }, 'closing an idle MCP session');
      void session.transport.close().catch(onerror);
    }
  }, Math.min(options.sessionIdleMs, 60_000));
  sweeper.unref();

  async function openSession(req: IncomingMessage, res: ServerResponse, principal: Principal, body: unknown) {
    const transport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      eventStore: sessionEventStore(),
      // How soon a client whose SSE stream was closed should come back (with Last-Event-ID).
      retryInterval: 1000,
      onsessioninitialized: (id) => void sessions.set(id, { transport, principal, lastSeen: Date.now(), open: 0 }),
      onsessionclosed: (id) => void sessions.delete(id),
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await createMcpServer(app, principal, { era: 'legacy', transport: 'mcp' }).connect(transport);
    await transport.handleRequest(req, res, body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse, principal: Principal, watchUpdates: (res: ServerResponse) => void = () => {}) {
    let body: unknown;
    if (req.method === 'POST') {
      if (!isJson(req)) return sendJson(res, 415, protocolError(null, -32600, 'Unsupported Media Type: the body must be application/json'));
      let raw: Buffer;
      try {
        raw = await readBody(req, options.maxBytes);
      } catch (error) {
        if (error instanceof BodyTooLarge) return sendJson(res, 413, protocolError(null, -32600, `Payload Too Large: at most ${options.maxBytes} bytes`));
        throw error;
      }
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch (error) {
        return sendJson(res, 400, protocolError(null, -32700, `Parse error: the body is not valid JSON (${(error as Error).message})`));
      }
      // The checks stdio makes on every message (nesting, Unicode, __proto__, who may watch what).
      // The shape is left to the SDK, which validates every message anyway.
      const inbound = checkMessage(body, app.registry, (uri) => mayWatch(principal, uri), { shape: false });
      if ('reply' in inbound) {
        app.logger.warn({ problem: inbound.problem }, 'refused an inbound message');
        return inbound.reply ? sendJson(res, 200, readableProtocolError(inbound.reply)) : void res.writeHead(202).end();
      }
      body = inbound.deliver satisfies JSONRPCMessage;
    }
    if (req.method === 'GET' || (body as { method?: unknown } | undefined)?.method === 'subscriptions/listen') watchUpdates(res);
    if (isLegacy(req, body)) {
      const sessionId = req.headers['mcp-session-id'];
      if (typeof sessionId === 'string') {
        const session = sessions.get(sessionId);
        if (!session || !samePrincipal(session.principal, principal)) {
          return sendJson(res, 404, protocolError(null, -32001, 'Session not found: it ended or was evicted; initialize a new one'));
        }
        session.lastSeen = Date.now();
        session.open++;
        res.once('close', () => {
          session.open--;
          session.lastSeen = Date.now();
        });
        return session.transport.handleRequest(req, res, body);
      }
      if (req.method === 'POST' && (body as { method?: string }).method === 'initialize') return openSession(req, res, principal, body);
      return sendJson(res, 400, protocolError(null, -32600, 'Bad Request: no mcp-session-id; a 2025-11-25 client starts with initialize'));
    }
    (req as IncomingMessage & { auth?: AuthInfo }).auth = authInfo(principal);
    modernInFlight++;
    try {
      await serveModern(req, res, body);
    } finally {
      modernInFlight--;
    }
  }

  return {
    handle,
    counts: () => ({ legacy: sessions.size, modern: modernInFlight }),
    async close() {
      clearInterval(sweeper);
      stopPublishing();
      await Promise.allSettled([...sessions.values()].map((s) => s.transport.close()));
      sessions.clear();
      await modern.close();
    },
  };
}
