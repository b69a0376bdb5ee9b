// The dashboard's files: the HTML shell at / and the bundle under /assets/, as `npm run build` wrote them to
// dist/web/ (scripts/build-web.mjs). They hold no data and need no token: the page signs in and then reads
// everything through the API. The folder is listed once at start-up and only those files are ever read (once,
// then kept in memory): any other path is a 404 without touching the disk, so unauthenticated requests for
// made-up names cost nothing and leave nothing behind. The bundle's names carry a content hash, so the assets
// may be cached for good while the shell is always asked for again.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { refuse } from '../transports/http/io.js';

// As built this module is dist/dashboard/static.js; the bundle is dist/web/.
const webDir = fileURLToPath(new URL('../web/', import.meta.url));

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json',
};

/** Everything the page loads is ours: no other origin, no inline script; no <base> or form may point elsewhere. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export const isDashboardFile = (pathname: string) => pathname === '/' || pathname === '/index.html' || pathname.startsWith('/assets/');

/** The files of dist/web/ as it was at start-up, by path relative to it with '/' separators. */
function listed(dir: string): Set<string> {
  if (!existsSync(dir)) return new Set();
  const entries = readdirSync(dir, { recursive: true, encoding: 'utf8' });
  return new Set(entries.filter((entry) => statSync(join(dir, entry)).isFile()).map((entry) => entry.split(sep).join('/')));
}

const servable = listed(webDir);
/** Bounded by `servable`: only files that exist are read and kept. */
const cache = new Map<string, Buffer>();

function read(relative: string): Buffer | null {
  if (!servable.has(relative)) return null;
  let body = cache.get(relative);
  if (!body) cache.set(relative, (body = readFileSync(join(webDir, relative))));
  return body;
}

export function serveDashboardFile(res: ServerResponse, pathname: string) {
  const relative = pathname === '/' ? 'index.html' : pathname.slice(1);
  const body = read(relative);
  if (!body) {
    if (relative === 'index.html') return refuse(res, 404, 'the dashboard was not built: run npm run build');
    return refuse(res, 404, `no ${pathname}`);
  }
  res.writeHead(200, {
    'content-type': types[extname(relative)] ?? 'application/octet-stream',
    'content-length': String(body.length),
    'cache-control': relative === 'index.html' ? 'no-cache' : 'public, max-age=31536000, immutable',
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  res.end(body);
}
