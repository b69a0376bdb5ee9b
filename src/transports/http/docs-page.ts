// /api/docs: a human-readable reference of the REST API, drawn by Swagger UI from /api/openapi.json. The UI is
// served from the swagger-ui-dist package (no CDN); the page asks for a token, keeps it in the tab's session
// storage only, and sends it with every request it makes.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ServerResponse } from 'node:http';
import { refuse } from './io.js';

const require = createRequire(import.meta.url);
const uiDir = dirname(require.resolve('swagger-ui-dist/package.json'));

const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>control-plane-mcp REST API</title>
<link rel="stylesheet" href="/api/docs/swagger-ui.css">
<style>body{margin:0;font-family:system-ui,sans-serif} #token{padding:12px 20px;background:#f4f6f8;border-bottom:1px solid #dde}</style>
</head>
<body>
<form id="token">API token <input name="token" type="password" size="60" placeholder="cpt_..." autocomplete="off"> <button>Use</button></form>
<div id="ui"></div>
<script src="/api/docs/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script>
</body>
</html>`;

const init = `(() => {
  const form = document.getElementById('token');
  const start = () => {
    const token = sessionStorage.getItem('control-plane-token');
    SwaggerUIBundle({
      url: '/api/openapi.json',
      dom_id: '#ui',
      requestInterceptor: (request) => { if (token) request.headers.Authorization = 'Bearer ' + token; return request; },
    });
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem('control-plane-token', form.elements.token.value.trim());
    start();
  });
  start();
})();`;

const assets: Record<string, { type: string; body: () => string | Buffer }> = {
  '/api/docs': { type: 'text/html; charset=utf-8', body: () => page },
  '/api/docs/init.js': { type: 'text/javascript; charset=utf-8', body: () => init },
  '/api/docs/swagger-ui.css': { type: 'text/css; charset=utf-8', body: () => readFileSync(join(uiDir, 'swagger-ui.css')) },
  '/api/docs/swagger-ui-bundle.js': { type: 'text/javascript; charset=utf-8', body: () => readFileSync(join(uiDir, 'swagger-ui-bundle.js')) },
};
const cache = new Map<string, string | Buffer>();

export function serveDocsPage(res: ServerResponse, pathname: string) {
  const asset = assets[pathname.replace(/\/$/, '')];
  if (!asset) return refuse(res, 404, `no ${pathname}`);
  const body = cache.get(pathname) ?? asset.body();
  cache.set(pathname, body);
  res.writeHead(200, {
    'content-type': asset.type,
    'cache-control': 'no-cache',
    // Everything the page needs is ours: no inline script, no other origin.
    'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
  });
  res.end(body);
}
