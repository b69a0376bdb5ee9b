import { publicEntry } from '../audit/chain.js';
import type { DomainContext } from '../context.js';
import { REALM_TOTAL } from '../ledger/check.js';
import { currentPeriod, unitsToCents } from '../ledger/money.js';
import { requireRealm } from './guards.js';

const OVERVIEW_LIMIT = 1000;
const sum = (counts: Record<string, number>, keys?: string[]) =>
  Object.entries(counts).reduce((n, [k, v]) => n + (!keys || keys.includes(k) ? v : 0), 0);

/** Every realm (at most 1000, newest first) with counts of what is in it. */
export function realmsOverview(ctx: DomainContext) {
  const own = ctx.principal.realmId;
  return ctx.store.read(function* (tx) {
    const rows = yield* tx.realms.page({ after: null, limit: OVERVIEW_LIMIT });
    const realms = [];
    for (const { record } of rows) {
      if (own !== undefined && record.id !== own) continue;
      const c = yield* tx.realms.statusCounts(record.id);
      realms.push({
        ...record,
        counts: {
          agents: sum(c.nodes, ['active', 'paused']),
          directives: sum(c.directives),
          missions: sum(c.missions),
          openMissions: sum(c.missions, ['backlog', 'queued', 'active', 'review', 'blocked']),
          pendingProposals: c.proposals.pending ?? 0,
        },
      });
    }
    return { realms, count: realms.length };
  });
}

/** One realm with a summary of everything in it. */
export function realmSummary(ctx: DomainContext, realmId: string) {
  return ctx.store.read(function* (tx) {
    const realm = yield* requireRealm(tx, realmId);
    const counts = yield* tx.realms.statusCounts(realmId);
    const period = currentPeriod(ctx.clock);
    const head = yield* tx.audit.head(realmId);
    const [latest] = yield* tx.audit.log(realmId, { limit: 1 });
    return {
      realm,
      summary: {
        agents: counts.nodes,
        directives: counts.directives,
        missions: counts.missions,
        proposals: counts.proposals,
        budgets: (yield* tx.ledger.budgets(realmId)).length,
        spentThisPeriodCents: unitsToCents(yield* tx.ledger.total(realmId, REALM_TOTAL, period.key)),
        audit: { entryCount: head?.seq ?? 0, headHash: head?.hash ?? null, latest: latest ? publicEntry(latest) : null },
      },
    };
  });
}
