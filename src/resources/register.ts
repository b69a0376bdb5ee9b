import { ProtocolError, ProtocolErrorCode, ResourceTemplate, type McpServer } from '@modelcontextprotocol/server';
import type { App } from '../app.js';
import type { DomainContext } from '../domain/context.js';
import { seesRealm, type Principal } from '../domain/principal.js';
import { listRealms } from '../domain/realm/lifecycle.js';
import type { Era } from '../server.js';
import { lacks, outsideRealm } from '../tools/authorize.js';
import { asDomainError } from '../tools/dispatch.js';
import { holds, type Permission } from '../tools/permissions.js';
import { parseUri, REALMS_URI, realmUri, realmUriTemplate, realmViews, realmsResource } from './declarations.js';
import { SessionSubscriptions } from './subscriptions.js';

const json = (uri: string, data: unknown) => ({ contents: [{ uri, mimeType: 'application/json', text: JSON.stringify(data) }] });

/** A domain error as the protocol error resources use: -32603 for a bug, -32602 for the rest (data.code says which). */
function protocolErrorOf(error: unknown, app: App, what: string): ProtocolError {
  const domain = asDomainError(error, app.logger, what);
  const code = domain.code === 'internal' ? ProtocolErrorCode.InternalError : ProtocolErrorCode.InvalidParams;
  return new ProtocolError(code, domain.code === 'not_found' ? `Resource ${what} not found: ${domain.message}` : domain.message, { code: domain.code, ...domain.details });
}

/** Whether a principal may hear about changes to a URI (the same rule as reading it). */
export function mayWatch(principal: Principal, uri: string): boolean {
  // The realms list changes with every realm's work, and a 2026-07-28 HTTP listen hears a URI's updates from
  // every realm alike: a principal of one realm watches its own realm's URI instead (it learns no more, and
  // nothing of the others' timing). Over a 2025-11-25 session it may subscribe, and hears of its realm only.
  if (uri === REALMS_URI && principal.realmId !== undefined) return false;
  const parsed = parseUri(uri);
  return parsed !== null && refusal(principal, parsed.view?.permission ?? realmsResource.permission, parsed.realmId, uri) === null;
}

/** Whether a principal may read a view of a realm: its role holds the view's permission, and the realm is its own. */
function refusal(principal: Principal, permission: Permission, realmId: string | null, uri: string) {
  if (!holds(principal.role, permission)) return lacks(principal, permission, `read ${uri}`);
  if (realmId !== null && !seesRealm(principal, realmId)) return outsideRealm(principal, realmId);
  return null;
}

async function read(uri: string, permission: Permission, realmId: string | null, view: () => Promise<unknown>, app: App, ctx: DomainContext) {
  try {
    const refused = refusal(ctx.principal, permission, realmId, uri);
    if (refused) throw refused;
    return json(uri, await view());
  } catch (error) {
    throw protocolErrorOf(error, app, uri);
  }
}

async function realmIds(ctx: DomainContext, prefix: string) {
  const { realms } = await listRealms(ctx, { limit: 1000 });
  return realms.map((r) => r.id).filter((id) => id.startsWith(prefix));
}

/**
 * The resources of one session: the views its principal may read (others are not even listed), listing with
 * realm-id completion, and subscriptions.
 */
export function registerResources(mcp: McpServer, app: App, ctx: DomainContext, era: Era, notifications = true, otherUris: readonly string[] = []) {
  const { principal } = ctx;
  if (holds(principal.role, realmsResource.permission)) {
    mcp.registerResource(realmsResource.name, REALMS_URI, { title: realmsResource.title, description: realmsResource.description, mimeType: 'application/json' }, (uri) =>
      read(uri.href, realmsResource.permission, null, () => realmsResource.read(ctx), app, ctx),
    );
  }
  for (const view of realmViews.filter((v) => holds(principal.role, v.permission))) {
    const template = new ResourceTemplate(realmUriTemplate(view.view), {
      // Only the realm itself is listed per realm; its other views are found through the templates.
      list: view.view === ''
        ? async () => ({ resources: (await listRealms(ctx, { limit: 1000 })).realms.map((r) => ({ uri: realmUri(r.id), name: r.name, title: `Realm ${r.name}` })) })
        : undefined,
      complete: { realmId: (value) => realmIds(ctx, value) },
    });
    mcp.registerResource(view.name, template, { title: view.title, description: view.description, mimeType: 'application/json' }, (uri, variables) => {
      const realmId = decodeURIComponent(String(variables.realmId));
      return read(uri.href, view.permission, realmId, () => view.read(ctx, realmId), app, ctx);
    });
  }

  if (!notifications) return null;
  // A session is told only about what it may read: its realm's views its role holds, its own budget alerts.
  const visible = (uri: string) => mayWatch(principal, uri);
  // On 2026-07-28 connections the client's subscriptions/listen filter is kept by the SDK, which drops the
  // updates nobody listens to; resources/subscribe exists only on 2025-11-25 connections.
  const subscriptions = new SessionSubscriptions(mcp.server, app.bus, app.logger, { everything: era === 'modern', visible, principal });
  mcp.server.setRequestHandler('resources/subscribe', (request) => {
    const { uri } = request.params;
    // Resources registered besides ours (the conformance fixtures) may be subscribed to; they never change.
    if (otherUris.includes(uri)) return {};
    const parsed = parseUri(uri);
    if (!parsed) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Resource ${uri} not found`);
    const refused = refusal(principal, parsed.view?.permission ?? realmsResource.permission, parsed.realmId, uri);
    if (refused) throw protocolErrorOf(refused, app, uri);
    subscriptions.add(uri);
    return {};
  });
  mcp.server.setRequestHandler('resources/unsubscribe', (request) => {
    subscriptions.remove(request.params.uri);
    return {};
  });
  return subscriptions;
}
