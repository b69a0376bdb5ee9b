import type { Logger } from 'pino';
import type { DomainContext } from '../domain/context.js';
import { recordActivity } from '../domain/council/activity.js';
import { Activity } from '../domain/council/inputs.js';
import { RecordSpend } from '../domain/ledger/inputs.js';
import { recordSpend } from '../domain/ledger/spend.js';
import { systemPrincipal } from '../domain/principal.js';
import { parseOrThrow } from '../domain/validation.js';
import type { EventBus, Topic } from './bus.js';

// A spend from the bus must carry eventId, so that a redelivered message is counted once.
const CostIncurred = RecordSpend.required({ eventId: true });

const commands: Partial<Record<Topic, (ctx: DomainContext, payload: unknown) => Promise<unknown>>> = {
  'cost.incurred': (ctx, payload) => recordSpend(ctx, parseOrThrow(CostIncurred, payload)),
  'council.audit': (ctx, payload) => recordActivity(ctx, parseOrThrow(Activity, payload)),
};

/**
 * The two inbound subscriptions: cost.incurred records a spend through ledger::spend, council.audit appends
 * through council::activity. Only messages published in this process are handled (the change feed carries
 * announcements, not commands). A message that fails is logged, counted and dropped.
 */
export function subscribeCommands(bus: EventBus, ctx: Omit<DomainContext, 'principal'>, logger: Logger): () => void {
  const unsubscribes = Object.entries(commands).map(([topic, run]) =>
    bus.subscribe(topic as Topic, async (message) => {
      if (message.origin !== 'local') return;
      try {
        await run({ ...ctx, principal: systemPrincipal }, message.payload);
      } catch (error) {
        bus.stats.dropped++;
        logger.warn({ err: error, topic }, 'inbound message dropped');
      }
    }),
  );
  return () => unsubscribes.forEach((u) => u());
}
