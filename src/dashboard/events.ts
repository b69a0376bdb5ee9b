// GET /api/events: the event bus as Server-Sent Events, for the dashboard. Each committed change in the
// principal's realm (an admin names one with ?realmId=, or hears every realm) goes out as one `change` event;
// the page reads what changed again through the REST API, which applies its own permissions. A topic goes
// only to a principal whose role may read what it announces, so the stream never tells more than the API.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App } from '../app.js';
import { announcementTopics, type BusMessage } from '../events/bus.js';
import { seesRealm, type Principal } from '../domain/principal.js';
import { outsideRealm } from '../tools/authorize.js';
import { holds, type Permission } from '../tools/permissions.js';
import { sendError } from '../transports/http/io.js';

/** What a principal must hold to hear of a topic (null: anyone in the realm; store.resync only says "read again"). */
export const topicPermission: Record<(typeof announcementTopics)[number] | 'bridge.run.output', Permission | null> = {
  'realm.lifecycle': 'control_plane:realms:read',
  'hierarchy.changed': 'control_plane:agents:read',
  'hierarchy.liveness': 'control_plane:agents:read',
  'council.override': 'control_plane:agents:read',
  'directive.lifecycle': 'control_plane:directives:read',
  'mission.lifecycle': 'control_plane:missions:read',
  'ledger.alert': 'control_plane:budgets:read',
  'ledger.spend_recorded': 'control_plane:spend:read',
  'ledger.budget_set': 'control_plane:spend:read',
  'council.proposal': 'control_plane:proposals:read',
  'audit.appended': 'control_plane:audit:read',
  'pulse.run': 'control_plane:pulses:read',
  'pulse.changed': 'control_plane:pulses:read',
  // runs:read lets an agent read its own runs only: an agent hears of its own (below).
  'bridge.run.completed': 'control_plane:runs:read',
  // A running run's output as it arrives (published by this process's executor, never stored).
  'bridge.run.output': 'control_plane:runs:read',
  'store.resync': null,
};

/** A comment line every so often keeps proxies and the browser from closing an idle stream. */
const KEEPALIVE_MS = 15_000;
/** How long a browser waits before reconnecting by itself (EventSource); the dashboard's own reader uses it too. */
const RETRY_MS = 1_000;

/** A run's output chunk is cut to its last OUTPUT_CHARS characters: the page shows a tail, not the whole log. */
const OUTPUT_CHARS = 8_192;
const clipped = (payload: Record<string, unknown>) =>
  typeof payload.text === 'string' && payload.text.length > OUTPUT_CHARS ? { ...payload, text: payload.text.slice(-OUTPUT_CHARS), clipped: true } : payload;

export function mayHear(principal: Principal, realmId: string | null, message: BusMessage): boolean {
  const permission = topicPermission[message.topic as keyof typeof topicPermission];
  if (permission === undefined) return false; // inbound commands and unknown topics are not announcements
  if (permission === null) return true; // store.resync: "read again", with nothing about any realm (changeOf)
  // A realm-less message (an admin's run on a global runtime) is for principals that see every realm only.
  if (!seesRealm(principal, message.realmId)) return false;
  if (realmId !== null && message.realmId !== null && message.realmId !== realmId) return false;
  if (!holds(principal.role, permission)) return false;
  if (principal.role !== 'agent') return true;
  // An agent hears of its own runs and its own budget alerts (and the realm's, agentId null), as over MCP.
  if (message.topic.startsWith('bridge.run.')) return message.payload.agentId === principal.id;
  if (message.topic === 'ledger.alert') return message.payload.agentId == null || message.payload.agentId === principal.id;
  return true;
}

/**
 * The `change` event's data. store.resync's payload also names every realm (for the MCP subscriptions): the
 * stream says only why, since a principal of one realm is not to learn the others' ids.
 */
export function changeOf(message: BusMessage) {
  if (message.topic === 'store.resync') return { topic: message.topic, realmId: null, payload: { reason: message.payload.reason } };
  return { topic: message.topic, realmId: message.realmId, payload: clipped(message.payload), origin: message.origin };
}

/** What a stream may hold unsent for a client that does not read before it is dropped (the page reconnects). */
const MAX_BUFFERED_BYTES = 1024 * 1024;

export interface StreamOptions {
  maxBufferedBytes?: number;
}

export class EventStreams {
  /** Each open stream's stop: it cleans up, then ends the response. */
  private readonly open = new Set<() => void>();

  constructor(
    private readonly app: Pick<App, 'bus'>,
    private readonly options: StreamOptions = {},
  ) {}

  get count() {
    return this.open.size;
  }

  /**
   * Starts a stream and returns at once: the response stays open until the client or close() ends it, or the
   * HTTP server cuts it when its token is refused (transports/http/token-watch.ts).
   */
  serve(req: IncomingMessage, res: ServerResponse, url: URL, principal: Principal) {
    const asked = url.searchParams.get('realmId');
    if (asked !== null && !seesRealm(principal, asked)) return sendError(res, outsideRealm(principal, asked));
    const realmId = asked ?? principal.realmId ?? null;
    const maxBuffered = this.options.maxBufferedBytes ?? MAX_BUFFERED_BYTES;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store, no-transform',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    let unsubscribe = () => {};
    let keepalive: NodeJS.Timeout | undefined;
    let cleaned = false;
    // Runs before the response ends, so no bus message can write to an ended response.
    const cleanup = () => {
      if (cleaned) return;
      cleaned = true;
      clearInterval(keepalive);
      unsubscribe();
      this.open.delete(stop);
    };
    const stop = () => {
      cleanup();
      if (!res.writableEnded) res.end();
    };
    const write = (text: string) => {
      if (res.writableEnded || res.destroyed) return;
      res.write(text);
      // A client that does not read: its backlog goes with the stream instead of growing without bound.
      if (res.writableLength > maxBuffered) {
        cleanup();
        res.destroy();
      }
    };
    let id = 0;
    const send = (event: string, data: unknown) => write(`id: ${++id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    write(`retry: ${RETRY_MS}\n\n`);
    send('ready', { realmId, role: principal.role, principalId: principal.id });
    unsubscribe = this.app.bus.subscribe('*', (message) => {
      if (mayHear(principal, realmId, message)) send('change', changeOf(message));
    });
    keepalive = setInterval(() => write(': keepalive\n\n'), KEEPALIVE_MS);
    keepalive.unref();
    this.open.add(stop);
    res.once('close', cleanup);
    req.once('close', cleanup);
  }

  /** Ends every stream (the server is stopping): browsers reconnect to the next one. */
  close() {
    for (const stop of [...this.open]) stop();
  }
}
