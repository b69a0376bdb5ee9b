// The dashboard's part of the HTTP mode, handed its paths by transports/http/server.ts: the static page (no
// token: it holds no data), and behind the API's own authentication the event stream and the views.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App } from '../app.js';
import { DomainError, invalidInput } from '../domain/errors.js';
import type { Principal } from '../domain/principal.js';
import { asDomainError } from '../tools/dispatch.js';
import { refuse, sendError, sendJson } from '../transports/http/io.js';
import { EventStreams } from './events.js';
import { isDashboardFile, serveDashboardFile } from './static.js';
import { readView } from './views.js';

const VIEW = /^\/api\/dashboard\/([^/]+)\/([^/]+)$/;

/** A path segment, percent-decoded; a malformed escape is the caller's mistake, not an internal error. */
function decoded(segment: string, field: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw invalidInput(field, `"${segment}" is not a valid percent-encoded path segment`);
  }
}

export function createDashboard(app: App) {
  const streams = new EventStreams(app);
  return {
    streams,
    /** The page's own files: served before authentication. */
    servesFile: isDashboardFile,
    serveFile: (res: ServerResponse, pathname: string) => serveDashboardFile(res, pathname),
    /** The paths that need a principal. */
    serves: (pathname: string) => pathname === '/api/events' || pathname.startsWith('/api/dashboard/'),
    /** `watchUpdates` is given the event stream's response (the HTTP server cuts it once its token is refused). */
    async handle(req: IncomingMessage, res: ServerResponse, url: URL, principal: Principal, watchUpdates: (res: ServerResponse) => void = () => {}) {
      if (req.method !== 'GET') return refuse(res, 405, `${url.pathname} takes GET`, { allow: 'GET' });
      if (url.pathname === '/api/events') {
        watchUpdates(res);
        return streams.serve(req, res, url, principal);
      }
      const match = VIEW.exec(url.pathname);
      if (!match) return refuse(res, 404, `no ${url.pathname}`);
      try {
        // A view holds the realm's data as this token may read it: no cache, shared or private, keeps a copy.
        return sendJson(res, 200, await readView(app, principal, decoded(match[1]!, 'realmId'), decoded(match[2]!, 'view')), { 'cache-control': 'no-store' });
      } catch (error) {
        return sendError(res, error instanceof DomainError ? error : asDomainError(error, app.logger, url.pathname));
      }
    },
    close: () => streams.close(),
  };
}
