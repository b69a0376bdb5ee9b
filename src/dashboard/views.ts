// GET /api/dashboard/:realmId/:view: what the dashboard draws that the REST API has no one call for. The MCP
// resources' realm views (org tree, mission board, budgets, pulses) are served as they are, under the same
// permission rule as reading the resource; three more are the dashboard's own: the running and latest bridge
// runs, the pulses' recent runs, and this month's burn by day. Everything else the page reads through the REST API itself.
import type { App } from '../app.js';
import type { Run } from '../domain/bridge/model.js';
import type { DomainContext } from '../domain/context.js';
import { DomainError } from '../domain/errors.js';
import { unitsToCents, currentPeriod } from '../domain/ledger/money.js';
import { seesRealm, type Principal } from '../domain/principal.js';
import { requireRealm } from '../domain/realm/guards.js';
import { realmViews } from '../resources/declarations.js';
import { lacks, outsideRealm } from '../tools/authorize.js';
import { holds, type Permission } from '../tools/permissions.js';

interface View {
  permission: Permission;
  read(ctx: DomainContext, realmId: string): Promise<unknown>;
}

const DAY_MS = 86_400_000;

const RECENT_RUNS = 20;

/**
 * The realm's running bridge runs and its latest finished ones, newest first; an agent sees its own only (as
 * bridge_run lets it). Finished runs come without their output (bridge_run has it): this is a list.
 */
function bridgeRuns(ctx: DomainContext, realmId: string) {
  return ctx.store.read(function* (tx) {
    yield* requireRealm(tx, realmId);
    const visible = (runs: Run[]) => (ctx.principal.role === 'agent' ? runs.filter((r) => r.agentId === ctx.principal.id) : runs);
    const running = visible(yield* tx.runs.runningInRealm(realmId));
    const finished = visible(yield* tx.runs.recent(realmId, RECENT_RUNS)).filter((r) => r.status !== 'running');
    return {
      runs: running.sort((a, b) => b.startedAt.localeCompare(a.startedAt)),
      recent: finished.map(({ output: _output, permissionDenials: _denials, ...run }) => run),
    };
  });
}

const RECENT_PULSE_RUNS = 10;

/** Each pulse's latest runs (skips and failures included), newest first: what the pulses did lately. */
function pulseRuns(ctx: DomainContext, realmId: string) {
  return ctx.store.read(function* (tx) {
    yield* requireRealm(tx, realmId);
    const runs = [];
    for (const config of yield* tx.pulses.configs(realmId)) {
      for (const run of yield* tx.pulses.runs(realmId, config.agentId, RECENT_PULSE_RUNS)) {
        const { contextSnapshot: _snapshot, ...shown } = run;
        runs.push(shown);
      }
    }
    return { runs: runs.sort((a, b) => b.startedAt.localeCompare(a.startedAt)).slice(0, 50) };
  });
}

/** This month's spend per UTC day so far, and cumulated: one grouped read per day, in one transaction. */
function burn(ctx: DomainContext, realmId: string) {
  const period = currentPeriod(ctx.clock);
  const now = ctx.clock.now().getTime();
  return ctx.store.read(function* (tx) {
    yield* requireRealm(tx, realmId);
    const days: { day: string; cents: number; cumulativeCents: number }[] = [];
    let cumulative = 0;
    for (let start = Date.parse(period.start); start <= now && start < Date.parse(period.end); start += DAY_MS) {
      const rows = yield* tx.ledger.summary(realmId, 'agent', new Date(start).toISOString(), new Date(start + DAY_MS).toISOString());
      const cents = unitsToCents(rows.reduce((n, r) => n + r.units, 0));
      cumulative += cents;
      days.push({ day: new Date(start).toISOString().slice(0, 10), cents, cumulativeCents: Math.round(cumulative * 10_000) / 10_000 });
    }
    return { periodStart: period.start, periodEnd: period.end, days };
  });
}

export const dashboardViews: Record<string, View> = {
  ...Object.fromEntries(realmViews.filter((v) => v.view !== 'audit').map((v) => [v.view || 'summary', v])),
  runs: { permission: 'control_plane:runs:read', read: bridgeRuns },
  burn: { permission: 'control_plane:spend:read', read: burn },
  'pulse-runs': { permission: 'control_plane:pulses:read', read: pulseRuns },
};

/** Reads a view for a principal, or the error the API would give. */
export async function readView(app: App, principal: Principal, realmId: string, name: string): Promise<unknown> {
  const view = Object.hasOwn(dashboardViews, name) ? dashboardViews[name]! : undefined;
  if (!view) throw new DomainError('not_found', `no dashboard view ${name}; there are ${Object.keys(dashboardViews).join(', ')}`, { entity: 'view', id: name });
  if (!holds(principal.role, view.permission)) throw lacks(principal, view.permission, `read the ${name} view`);
  if (!seesRealm(principal, realmId)) throw outsideRealm(principal, realmId);
  return view.read({ store: app.store, clock: app.clock, principal }, realmId);
}
