// Runaway guards: caps on a realm's bridge runs, per agent, per runtime (counted within the realm) and for the
// realm, on runs at once and on runs started in the last hour; pulses and invokes alike, since both start
// runs through startRun. The caps are the realm's fleet settings.
import { appendAudit } from '../audit/chain.js';
import { DomainError } from '../errors.js';
import type { FleetSettings } from '../fleet/settings.js';
import { systemPrincipal } from '../principal.js';
import type { RunningRun, Step, Tx } from '../store.js';

export const capScopes = ['agent', 'runtime', 'realm'] as const;
export type CapScope = (typeof capScopes)[number];
export type CapKind = 'concurrentRuns' | 'runsPerHour';

/** A cap a new run would cross: what the refusal says and what the audit records. */
export interface CapCrossing {
  scope: CapScope;
  scopeId: string;
  kind: CapKind;
  limit: number;
  current: number;
  /** What makes this crossing one: the audit entry is written once per (scope, scopeId, kind, window). */
  window: string;
}

const HOUR_MS = 3_600_000;

/** A concurrency cap is conflict (it clears as runs end); the hourly cap is budget_exceeded (it is the budget). */
const refusalCode = { concurrentRuns: 'conflict', runsPerHour: 'budget_exceeded' } as const;
const capText = { concurrentRuns: 'runs at once', runsPerHour: 'runs started in the last hour' } as const;

/** The refusal of a run by a runaway guard; a pulse tick records it as a skip instead of a failure. */
export class CapRefusal extends DomainError {
  constructor(readonly crossing: CapCrossing) {
    const { scope, scopeId, kind, limit, current } = crossing;
    super(refusalCode[kind], `runaway guard: ${scope} ${scopeId} has ${current} ${capText[kind]} (limit ${limit})`, { scope, limit, kind, current });
  }
}

/**
 * The newest running run names a concurrency crossing: refusals while the same runs fill the cap are one
 * crossing, and once any run has been admitted since (the cap was free again), the next refusal is a new one.
 */
const newest = (runs: RunningRun[]) => runs.reduce<RunningRun | null>((a, r) => (!a || r.startedAt > a.startedAt || (r.startedAt === a.startedAt && r.id > a.id) ? r : a), null);

/** The UTC hour, the window of an hourly crossing (the count itself slides over the last 60 minutes). */
const hourOf = (now: Date) => now.toISOString().slice(0, 13);

/**
 * The first cap a new run of this agent through this runtime would cross, or null. Run inside the write
 * transaction that inserts the run, so concurrent starts are counted one after the other (SQLite serialises
 * writers; PostgreSQL will need the same transaction to lock, e.g. the realm row). Concurrency is checked
 * first, scope by scope from the narrowest.
 */
export function* capCrossing(tx: Tx, now: Date, fleet: FleetSettings, realmId: string, agentId: string, runtimeId: string): Step<CapCrossing | null> {
  // Count, then the caller inserts the run: concurrent starts in the realm must take turns, or two could both
  // see room for one more.
  yield* tx.realms.lock(realmId);
  const running = yield* tx.runs.running(realmId);
  const scopes = [
    { scope: 'agent', scopeId: agentId, caps: fleet.agent, running: running.filter((r) => r.agentId === agentId), filter: { agentId } },
    { scope: 'runtime', scopeId: runtimeId, caps: fleet.runtime, running: running.filter((r) => r.runtimeId === runtimeId), filter: { runtimeId } },
    { scope: 'realm', scopeId: realmId, caps: fleet.realm, running, filter: {} },
  ] as const;
  for (const s of scopes) {
    if (s.running.length >= s.caps.concurrentRuns) {
      return { scope: s.scope, scopeId: s.scopeId, kind: 'concurrentRuns', limit: s.caps.concurrentRuns, current: s.running.length, window: newest(s.running)?.id ?? 'none' };
    }
  }
  const since = new Date(now.getTime() - HOUR_MS).toISOString();
  for (const s of scopes) {
    const started = yield* tx.runs.startedSince(realmId, since, s.filter);
    if (started >= s.caps.runsPerHour) {
      return { scope: s.scope, scopeId: s.scopeId, kind: 'runsPerHour', limit: s.caps.runsPerHour, current: started, window: hourOf(now) };
    }
  }
  return null;
}

/** Audits a crossing the first time it is met (the guard_crossings row makes every later refusal silent). */
export function* auditCrossing(tx: Tx, clock: { now(): Date }, realmId: string, crossing: CapCrossing, agentId: string): Step<void> {
  const { scope, scopeId, kind, window } = crossing;
  const first = yield* tx.runs.recordCrossing({ realmId, scope, scopeId, kind, window, createdAt: clock.now().toISOString() });
  if (!first) return;
  const { limit, current } = crossing;
  yield* appendAudit(tx, clock, { realmId, actor: systemPrincipal, action: 'runaway_guard', entityType: scope, entityId: scopeId, details: { scope, kind, limit, current, window, agentId } });
}

/** Audits a run stopped (or, when its cost came only at the end, found) past the realm's per-run cost ceiling. */
export function* auditCostCeiling(tx: Tx, clock: { now(): Date }, realmId: string, runId: string, agentId: string, ceiling: { limitCents: number; spentCents: number; stopped: boolean }): Step<void> {
  yield* appendAudit(tx, clock, {
    realmId,
    actor: systemPrincipal,
    action: 'runaway_guard',
    entityType: 'run',
    entityId: runId,
    details: { scope: 'run', kind: 'runCost', limit: ceiling.limitCents, current: ceiling.spentCents, stopped: ceiling.stopped, agentId },
  });
}
