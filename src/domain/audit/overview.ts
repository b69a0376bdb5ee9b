import type { DomainContext } from '../context.js';
import { requireRealm } from '../realm/guards.js';
import { publicEntry } from './chain.js';
import { verifyChain } from './verify.js';

/** The newest 50 entries of the realm's chain and the chain's verification. */
export async function auditOverview(ctx: DomainContext, realmId: string) {
  const entries = await ctx.store.read(function* (tx) {
    yield* requireRealm(tx, realmId);
    return (yield* tx.audit.log(realmId, { limit: 50 })).map(publicEntry);
  });
  return { entries, verify: await verifyChain(ctx, { realmId }) };
}
