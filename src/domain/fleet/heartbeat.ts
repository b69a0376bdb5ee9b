// hierarchy_heartbeat: an agent says it is alive (and in what state), which also renews the leases of the
// missions it holds. Heartbeats come every few seconds from every agent, so they write as little as they can:
// the node's heartbeat columns (no version bump) and the leases; the audit trail and the bus hear of one only
// when something a reader would care about changed.
import { appendAudit } from '../audit/chain.js';
import type { DomainContext } from '../context.js';
import { requireActor } from '../hierarchy/guards.js';
import type { Heartbeat } from '../hierarchy/inputs.js';
import { requireWritableRealm } from '../realm/guards.js';
import { type Liveness, livenessOf } from './liveness.js';

export interface HeartbeatResult {
  agentId: string;
  liveness: Liveness | null;
  heartbeatAt: string;
  heartbeatIntervalSecs: number;
  leasesRenewed: number;
}

/** Liveness states an agent comes back from: its return is worth an audit entry. */
const gone = new Set<Liveness | null>(['offline', 'failed']);

export function heartbeat(ctx: DomainContext, input: Heartbeat): Promise<HeartbeatResult> {
  return ctx.store.write(function* (tx) {
    const realm = yield* requireWritableRealm(tx, input.realmId);
    const before = yield* requireActor(tx, input.realmId, input.agentId);
    const now = ctx.clock.now();
    const at = now.toISOString();
    const running = (yield* tx.runs.runningFor(input.realmId, input.agentId)).length > 0;
    const was = livenessOf(before, now, realm.fleet, running);
    const after = (yield* tx.nodes.heartbeat(input.realmId, input.agentId, {
      heartbeatAt: at,
      heartbeatState: input.state,
      // Load is a reading of the moment (omitted: unknown); region and version stay until the agent says otherwise.
      load: input.load ?? null,
      region: input.region ?? before.region,
      agentVersion: input.version ?? before.agentVersion,
    }))!;
    const is = livenessOf(after, now, realm.fleet, running);
    const leasesRenewed = yield* tx.missions.renewLeases(input.realmId, input.agentId, new Date(now.getTime() + realm.fleet.leaseSecs * 1000).toISOString());

    if (before.heartbeatState !== input.state || gone.has(was)) {
      yield* appendAudit(tx, ctx.clock, {
        realmId: input.realmId,
        actor: ctx.principal,
        action: 'updated',
        entityType: 'agent',
        entityId: input.agentId,
        details: { heartbeat: { state: input.state, from: was, liveness: is, region: after.region, version: after.agentVersion } },
      });
    }
    if (was !== is) tx.announce({ topic: 'hierarchy.liveness', realmId: input.realmId, payload: { agentId: input.agentId, from: was, liveness: is } });
    return { agentId: input.agentId, liveness: is, heartbeatAt: at, heartbeatIntervalSecs: realm.fleet.heartbeatIntervalSecs, leasesRenewed };
  });
}
