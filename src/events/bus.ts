import type { Logger } from 'pino';

/**
 * Topics. Announcements of committed changes go out on the first group; `cost.incurred` and `council.audit`
 * are inbound commands from external producers (the bridge publishes cost.incurred too). Internal code never
 * publishes council.audit, so nothing loops.
 */
export const announcementTopics = [
  'realm.lifecycle', 'hierarchy.changed', 'directive.lifecycle', 'mission.lifecycle', 'ledger.alert',
  'ledger.spend_recorded', 'ledger.budget_set', 'council.proposal', 'council.override', 'audit.appended',
  'pulse.run', 'pulse.changed', 'bridge.run.completed', 'hierarchy.liveness',
  // Changes made elsewhere may have been missed (the PostgreSQL feed reconnected): whatever is derived from
  // them is to be read again.
  'store.resync',
] as const;
export const commandTopics = ['cost.incurred', 'council.audit'] as const;
export type Topic = (typeof announcementTopics)[number] | (typeof commandTopics)[number];

export interface BusMessage {
  topic: string;
  realmId: string | null;
  payload: Record<string, unknown>;
  /** local: committed by this process; remote: seen in the change feed, committed by another process. */
  origin: 'local' | 'remote';
  /** For a remote message: when the other process committed it. */
  committedAt?: string;
}

type Handler = (message: BusMessage) => void | Promise<void>;

/** The in-process bus. A failing handler is logged and counted; it never reaches the publisher. */
export class EventBus {
  private readonly handlers = new Map<string, Set<Handler>>();
  readonly stats = { published: 0, failed: 0, dropped: 0 };

  constructor(private readonly logger: Logger) {}

  /** `topic` may be "*" for every message. */
  subscribe(topic: Topic | '*', handler: Handler): () => void {
    const set = this.handlers.get(topic) ?? new Set();
    set.add(handler);
    this.handlers.set(topic, set);
    return () => void set.delete(handler);
  }

  /**
   * Hands the message to every handler of its topic. Resolves once the handlers that returned a promise have
   * settled (their failures are logged here, never rejected): a publisher that must know the work was done,
   * like a run's cost reaching the ledger before the run is reported finished, awaits it; others need not.
   */
  publish(message: BusMessage): Promise<void> {
    this.stats.published++;
    const pending: Promise<unknown>[] = [];
    for (const handler of [...(this.handlers.get(message.topic) ?? []), ...(this.handlers.get('*') ?? [])]) {
      try {
        const result = handler(message);
        if (result) pending.push(result.catch((error) => this.fail(error, message)));
      } catch (error) {
        this.fail(error, message);
      }
    }
    return pending.length ? Promise.all(pending).then(() => undefined) : Promise.resolve();
  }

  private fail(error: unknown, message: BusMessage) {
    this.stats.failed++;
    this.logger.error({ err: error, topic: message.topic }, 'event handler failed');
  }
}
