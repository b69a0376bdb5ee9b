import type { Server } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import { seesRealm, type Principal } from '../domain/principal.js';
import type { BusMessage, EventBus } from '../events/bus.js';
import { REALMS_URI, urisTouched } from './declarations.js';

const COALESCE_MS = 250;

export interface SubscriptionOptions {
  /** Send every touched URI and let the transport filter them (2026-07-28 listen streams). */
  everything: boolean;
  /** Whether the session may hear about a URI at all. */
  visible: (uri: string) => boolean;
  /** Whose session it is: an operator hears of its realm only, an agent of its own budget alerts only. */
  principal: Principal;
}

/**
 * One session's resource subscriptions (and the log messages it gets). Changes arrive from the bus after they commit (from this process or,
 * through the change feed, from others); each subscribed URI gets at most one notifications/resources/updated
 * per 250 ms, the last change always being followed by one. Every notification promise is caught: a session
 * closing mid-flight must not crash the server.
 */
export class SessionSubscriptions {
  private readonly uris = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly lastSent = new Map<string, number>();
  private readonly stop: () => void;
  /** A 2025-11-25 session may be sent notifications only once it is initialized; 2026-07-28 has no handshake. */
  private ready: boolean;

  constructor(
    private readonly server: Server,
    bus: EventBus,
    private readonly logger: Logger,
    private readonly options: SubscriptionOptions,
  ) {
    this.ready = options.everything;
    if (!this.ready) {
      const previous = server.oninitialized;
      server.oninitialized = () => {
        previous?.();
        this.ready = true;
      };
    }
    this.stop = bus.subscribe('*', (message) => this.onChange(message));
  }

  add(uri: string) {
    this.uris.add(uri);
  }

  remove(uri: string) {
    this.uris.delete(uri);
    clearTimeout(this.timers.get(uri));
    this.timers.delete(uri);
  }

  close() {
    this.stop();
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.uris.clear();
  }

  private onChange(message: BusMessage) {
    if (!this.ready) return;
    const { principal } = this.options;
    // Budget alerts also go to the session as MCP log messages (the client's logging/setLevel filters them).
    const ownAlert = seesRealm(principal, message.realmId) && (principal.role !== 'agent' || message.payload.agentId === principal.id);
    if (message.topic === 'ledger.alert' && ownAlert) {
      const level = message.payload.level === 'hard_limit_reached' ? 'error' : 'warning';
      this.server
        .sendLoggingMessage({ level, logger: 'ledger', data: { realmId: message.realmId, ...message.payload } })
        .catch((error) => this.logger.debug({ err: error }, 'log message not delivered'));
    }
    if (message.topic === 'realm.lifecycle' && ['created', 'deleted'].includes(message.payload.event as string) && seesRealm(principal, message.realmId)) {
      this.server.sendResourceListChanged().catch((error) => this.logger.debug({ err: error }, 'list_changed not delivered'));
    }
    for (const uri of urisTouched(message.topic, message.realmId, message.payload)) {
      // The realms list reads as the realms the principal sees: another realm's change is no change to it.
      if (uri === REALMS_URI && !seesRealm(principal, message.realmId)) continue;
      if (this.options.everything ? this.options.visible(uri) : this.uris.has(uri)) this.schedule(uri);
    }
  }

  private schedule(uri: string) {
    if (this.timers.has(uri)) return; // one is already on its way: this change is coalesced into it
    const wait = Math.max(0, (this.lastSent.get(uri) ?? 0) + COALESCE_MS - Date.now());
    const timer = setTimeout(() => {
      this.timers.delete(uri);
      this.lastSent.set(uri, Date.now());
      this.server.sendResourceUpdated({ uri }).catch((error) => this.logger.debug({ err: error, uri }, 'resource update not delivered'));
    }, wait);
    timer.unref();
    this.timers.set(uri, timer);
  }
}
