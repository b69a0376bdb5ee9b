import { ProtocolError, ProtocolErrorCode, ResourceTemplate, type McpServer } from '@modelcontextprotocol/server';
import type { App } from '../app.js';
import type { DomainContext } from '../domain/context.js';
import { listRealms } from '../domain/realm/lifecycle.js';
import { asDomainError } from '../tools/dispatch.js';
import { REALMS_URI, realmUri, realmUriTemplate, realmViews, realmsResource } from './declarations.js';
import type { Era } from '../server.js';
import { SessionSubscriptions } from './subscriptions.js';

const json = (uri: string, data: unknown) => ({ contents: [{ uri, mimeType: 'application/json', text: JSON.stringify(data) }] });

/** Reads a view, turning a domain error into the protocol error resources use (-32602 for not found). */
async function read(uri: string, view: () => Promise<unknown>, app: App) {
  try {
    return json(uri, await view());
  } catch (error) {
    const domain = asDomainError(error, app.logger, `resources/read ${uri}`);
    const code = domain.code === 'internal' ? ProtocolErrorCode.InternalError : ProtocolErrorCode.InvalidParams;
    throw new ProtocolError(code, domain.code === 'not_found' ? `Resource ${uri} not found: ${domain.message}` : domain.message, { code: domain.code, ...domain.details });
  }
}

async function realmIds(ctx: DomainContext, prefix: string) {
  const { realms } = await listRealms(ctx, { limit: 1000 });
  return realms.map((r) => r.id).filter((id) => id.startsWith(prefix));
}

/** The resources of one session: reads, listing with realm-id completion, and subscriptions. */
export function registerResources(mcp: McpServer, app: App, ctx: DomainContext, era: Era) {
  mcp.registerResource(realmsResource.name, REALMS_URI, { title: realmsResource.title, description: realmsResource.description, mimeType: 'application/json' }, (uri) =>
    read(uri.href, () => realmsResource.read(ctx), app),
  );
  for (const view of realmViews) {
    const template = new ResourceTemplate(realmUriTemplate(view.view), {
      // Only the realm itself is listed per realm; its other views are found through the templates.
      list: view.view === ''
        ? async () => ({ resources: (await listRealms(ctx, { limit: 1000 })).realms.map((r) => ({ uri: realmUri(r.id), name: r.name, title: `Realm ${r.name}` })) })
        : undefined,
      complete: { realmId: (value) => realmIds(ctx, value) },
    });
    mcp.registerResource(view.name, template, { title: view.title, description: view.description, mimeType: 'application/json' }, (uri, variables) =>
      read(uri.href, () => view.read(ctx, decodeURIComponent(String(variables.realmId))), app),
    );
  }

  // On 2026-07-28 connections the client's subscriptions/listen filter is kept by the SDK, which drops the
  // updates nobody listens to; resources/subscribe exists only on 2025-11-25 connections.
  const subscriptions = new SessionSubscriptions(mcp.server, app.bus, app.logger, era === 'modern');
  const known = (uri: string) =>
    uri === REALMS_URI || realmViews.some((v) => new RegExp(`^${REALMS_URI}/[^/]+${v.view ? `/${v.view}` : ''}$`).test(uri));
  mcp.server.setRequestHandler('resources/subscribe', (request) => {
    if (!known(request.params.uri)) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Resource ${request.params.uri} not found`);
    subscriptions.add(request.params.uri);
    return {};
  });
  mcp.server.setRequestHandler('resources/unsubscribe', (request) => {
    subscriptions.remove(request.params.uri);
    return {};
  });
  return subscriptions;
}
