// `control-plane-mcp --http`: one HTTP server for MCP (/mcp, both eras), the REST API (/api/...), its OpenAPI
// document and reference page, health (/healthz, /readyz) and Prometheus metrics (/metrics).
import { localhostHostValidation, localhostOriginValidation, hostHeaderValidation, originValidation } from '@modelcontextprotocol/node';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App } from '../../app.js';
import { DomainError } from '../../domain/errors.js';
import { MAX_MESSAGE_BYTES } from '../../limits.js';
import { version } from '../../version.js';
import { createDashboard } from '../../dashboard/mount.js';
import { authenticate } from './auth.js';
import { tokenWatch } from './token-watch.js';
import { serveDocsPage } from './docs-page.js';
import { refuse, sendError, sendJson } from './io.js';
import { mcpEndpoint } from './mcp.js';
import { createMetrics } from './metrics.js';
import { openApiDocument } from './openapi.js';
import { handleRest, RestRouter } from './rest.js';

export interface HttpOptions {
  port: number;
  host: string;
  /** Serve without tokens, as the local admin: loopback hosts only. */
  noAuth?: boolean;
  /** Host names (besides loopback ones) the Host and Origin headers may carry. */
  allowedHosts?: string[];
  /** An idle 2025 MCP session is closed after this long (ms, default 30 minutes). */
  sessionIdleMs?: number;
  maxBytes?: number;
}

export interface HttpServing {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export const loopbackHosts = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export async function serveHttp(app: App, options: HttpOptions): Promise<HttpServing> {
  const maxBytes = options.maxBytes ?? MAX_MESSAGE_BYTES;
  const loopback = loopbackHosts.has(options.host);
  // DNS rebinding: a page in a browser must not reach us through a name it controls. On loopback only loopback
  // names pass; elsewhere the names given (when none are given, any Host; a foreign Origin is still refused).
  const names = [...loopbackHosts, ...(options.allowedHosts ?? [])];
  const validHost = loopback ? localhostHostValidation() : options.allowedHosts?.length ? hostHeaderValidation(names) : () => true;
  const validOrigin = loopback ? localhostOriginValidation() : originValidation(options.allowedHosts?.length ? names : [options.host, ...loopbackHosts]);
  const mcp = mcpEndpoint(app, { maxBytes, sessionIdleMs: options.sessionIdleMs ?? 30 * 60_000 });
  const watched = tokenWatch();
  const metrics = createMetrics(app, () => mcp.counts());
  app.observeCall = metrics.observeCall;
  const router = new RestRouter(app.registry);
  const openapi = JSON.stringify(openApiDocument(app.registry));
  const inFlight = new Set<Promise<void>>();
  const dashboard = createDashboard(app);

  const readiness = async () => {
    const { migrations } = await app.store.health();
    const scheduler = app.scheduler ? (app.scheduler.isLeader ? 'leader' : 'standby') : 'off';
    return { ready: migrations.applied >= migrations.expected, database: 'ok', migrations, scheduler };
  };

  async function route(req: IncomingMessage, res: ServerResponse, url: URL) {
    // /api/control-plane/health is the Aragora seed's path for the same answer.
    if (url.pathname === '/healthz' || url.pathname === '/api/control-plane/health') return sendJson(res, 200, { status: 'ok', version });
    if (url.pathname === '/api/docs' || url.pathname.startsWith('/api/docs/')) return serveDocsPage(res, url.pathname);
    if (dashboard.servesFile(url.pathname)) return dashboard.serveFile(res, url.pathname);
    const auth = await authenticate(app, req, options.noAuth ?? false);
    if ('refused' in auth) return sendError(res, auth.refused, { 'www-authenticate': auth.challenge });
    const { principal } = auth;
    // An update stream opened with this token is cut once the token is refused (MCP's and the dashboard's).
    const watchUpdates = (stream: ServerResponse) => watched.watch(stream, async () => 'principal' in (await authenticate(app, req, options.noAuth ?? false)));
    if (url.pathname === '/mcp') return mcp.handle(req, res, principal, watchUpdates);
    if (dashboard.serves(url.pathname)) return dashboard.handle(req, res, url, principal, watchUpdates);
    if (url.pathname === '/readyz') {
      const state = await readiness().catch((error: Error) => ({ ready: false, database: error.message }));
      return sendJson(res, state.ready ? 200 : 503, state);
    }
    if (url.pathname === '/metrics') {
      if (principal.role !== 'admin') return sendError(res, new DomainError('forbidden', 'the metrics cover every realm: an admin token reads them', { role: principal.role }));
      const text = await metrics.registry.metrics();
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      return void res.end(text);
    }
    if (url.pathname === '/api/openapi.json') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      return void res.end(openapi);
    }
    if (url.pathname.startsWith('/api/')) {
      return handleRest(app, router, req, res, url, { store: app.store, clock: app.clock, principal, runner: app.runner ?? undefined }, maxBytes);
    }
    return refuse(res, 404, `nothing at ${url.pathname}: MCP is at /mcp, the REST API under /api (reference: /api/docs)`);
  }

  const server = createServer((req, res) => {
    if (!validHost(req, res) || !validOrigin(req, res)) return;
    const url = new URL(req.url ?? '/', 'http://localhost');
    const done = route(req, res, url).catch((error: unknown) => {
      const requestId = randomUUID();
      app.logger.error({ err: error, requestId, path: url.pathname }, 'HTTP request failed');
      if (!res.headersSent) sendError(res, new DomainError('internal', `internal error; quote requestId ${requestId} when reporting it`, { requestId }));
      else res.destroy();
    });
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  });
  // A client that trickles its headers or body is cut off; long SSE responses are not affected.
  server.headersTimeout = 15_000;
  server.requestTimeout = 60_000;
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    url: `http://${shown}:${address.port}`,
    async close() {
      server.close();
      dashboard.close();
      watched.close();
      await mcp.close();
      await Promise.race([Promise.allSettled([...inFlight]), new Promise((r) => setTimeout(r, 10_000).unref())]);
      server.closeAllConnections();
      metrics.close();
    },
  };
}
