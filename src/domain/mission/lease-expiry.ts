import { isoNow } from '../clock.js';
import type { DomainContext } from '../context.js';
import { actorFrom, systemPrincipal } from '../principal.js';
import { requireRealm } from '../realm/guards.js';
import { failAttempt } from './retry.js';

/**
 * Requeues (or dead-letters) active missions whose lease ran out: each is a retryable failure with reason
 * lease_expired, audited as lease_expired. One transaction per mission, each re-reading it, so a holder that
 * renewed or finished in between keeps what it did. Returns how many expired.
 */
export async function expireLeases(ctx: DomainContext, limit = 100): Promise<number> {
  const due = await ctx.store.read((tx) => tx.missions.leaseExpired(isoNow(ctx.clock), limit));
  let expired = 0;
  for (const candidate of due) {
    const done = await ctx.store.write(function* (tx) {
      const mission = yield* tx.missions.get(candidate.realmId, candidate.id);
      const now = isoNow(ctx.clock);
      if (!mission || mission.status !== 'active' || mission.leaseExpiresAt === null || mission.leaseExpiresAt >= now) return false;
      const realm = yield* requireRealm(tx, mission.realmId);
      // A suspended or archived realm accepts no changes: its missions wait for it to come back.
      if (realm.status !== 'active') return false;
      yield* failAttempt(tx, ctx.clock, realm.fleet, mission, {
        actor: actorFrom(systemPrincipal),
        reason: 'lease_expired',
        retryable: true,
        action: 'lease_expired',
      });
      return true;
    });
    if (done) expired += 1;
  }
  return expired;
}
