// /metrics in the Prometheus text format, with prom-client. Calls are counted where they are made (the
// dispatch reports each one); the rest comes from the event bus (this process's commits) and from the database
// when Prometheus scrapes.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { App } from '../../app.js';
import { fleetCensus } from '../../domain/fleet/census.js';
import type { CallObserver } from '../../tools/dispatch.js';

export interface Metrics {
  registry: Registry;
  observeCall: CallObserver;
  close(): void;
}

/** Seconds buckets for calls: from a cached read (~0.1 ms) to a run waited for (minutes). */
const CALL_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export function createMetrics(app: App, sessions: () => { legacy: number; modern: number }): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const calls = new Counter({
    name: 'controlplane_calls_total',
    help: 'Tool calls (MCP) and REST requests, by function, transport (stdio, mcp, rest) and outcome (ok or the error code).',
    labelNames: ['function', 'transport', 'outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'controlplane_call_duration_seconds',
    help: 'How long calls took, by function and transport.',
    labelNames: ['function', 'transport'] as const,
    buckets: CALL_BUCKETS,
    registers: [registry],
  });
  const conflicts = new Counter({ name: 'controlplane_checkout_conflicts_total', help: 'mission_checkout calls that lost to another holder (conflict).', registers: [registry] });
  new Gauge({
    name: 'controlplane_mcp_sessions',
    help: 'Open MCP sessions by protocol era (2025-11-25 HTTP sessions; 2026-07-28 requests in flight).',
    labelNames: ['era'] as const,
    registers: [registry],
    collect() {
      const now = sessions();
      this.set({ era: '2025-11-25' }, now.legacy);
      this.set({ era: '2026-07-28' }, now.modern);
    },
  });
  new Gauge({
    name: 'controlplane_missions',
    help: 'Missions in every realm, by status (read from the database at scrape time).',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const { status, count } of await app.store.read((tx) => tx.missions.countByStatus())) this.set({ status }, count);
    },
  });
  // Agents by liveness, derived at scrape time (liveness is never stored): realm by realm, because each realm has
  // its own heartbeat timeout; one indexed query per realm (NodeRepo.beats). Never-heartbeating agents are `none`.
  new Gauge({
    name: 'controlplane_agents',
    help: 'Agents (not terminated) in every realm, by liveness; none: never sent a heartbeat (read from the database at scrape time).',
    labelNames: ['liveness'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const [liveness, count] of Object.entries(await fleetCensus(app))) this.set({ liveness }, count);
    },
  });
  const spend = new Counter({ name: 'controlplane_spend_cents_total', help: 'Spend recorded by this process, in cents.', registers: [registry] });
  const audit = new Counter({ name: 'controlplane_audit_appends_total', help: 'Audit entries appended by this process.', registers: [registry] });
  const runs = new Counter({ name: 'controlplane_bridge_runs_total', help: 'Bridge runs finished by this process, by status.', labelNames: ['status'] as const, registers: [registry] });
  const pulses = new Counter({ name: 'controlplane_pulse_runs_total', help: 'Pulse runs recorded by this process, by status (skipped ones too).', labelNames: ['status'] as const, registers: [registry] });
  const skips = new Counter({ name: 'controlplane_pulse_skips_total', help: 'Pulse ticks skipped, by reason.', labelNames: ['reason'] as const, registers: [registry] });
  // The scheduler's outcomes (claim-next, mission_fail, the lease sweep), counted from mission.lifecycle.
  const claims = new Counter({ name: 'controlplane_mission_claims_total', help: 'Missions handed out by mission_claim_next in this process.', registers: [registry] });
  const retries = new Counter({ name: 'controlplane_mission_retries_total', help: 'Failed attempts sent back to the queue with a backoff (mission_fail or an expired lease).', registers: [registry] });
  const deadLetters = new Counter({ name: 'controlplane_mission_dead_letters_total', help: 'Missions that became dead letters (status failed).', registers: [registry] });
  const leaseExpiries = new Counter({ name: 'controlplane_mission_lease_expiries_total', help: 'Mission leases that expired (the holder stopped renewing).', registers: [registry] });
  const lifecycle: Record<string, (p: Record<string, unknown>) => void> = {
    checked_out: (p) => p.claimed === true && claims.inc(),
    retry_scheduled: () => retries.inc(),
    dead_lettered: () => deadLetters.inc(),
    lease_expired: (p) => {
      leaseExpiries.inc();
      lifecycle[String(p.outcome)]?.(p);
    },
  };
  const lag = new Histogram({
    name: 'controlplane_change_feed_lag_seconds',
    help: 'From another process committing a change to this process announcing it.',
    buckets: [0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5, 10],
    registers: [registry],
  });

  // What this process commits (local) is counted once here; what others commit is counted by them.
  const handlers: Record<string, (payload: Record<string, unknown>) => void> = {
    'mission.lifecycle': (p) => lifecycle[String(p.event)]?.(p),
    'ledger.spend_recorded': (p) => spend.inc(Number(p.costCents) || 0),
    'audit.appended': () => audit.inc(),
    'bridge.run.completed': (p) => runs.inc({ status: String(p.status) }),
    'pulse.run': (p) => {
      if (p.status === 'running') return;
      pulses.inc({ status: String(p.status) });
      if (p.status === 'skipped') skips.inc({ reason: String(p.skipReason) });
    },
  };
  const stop = app.bus.subscribe('*', (message) => {
    if (message.origin === 'remote') {
      if (message.committedAt) lag.observe(Math.max(0, (Date.now() - Date.parse(message.committedAt)) / 1000));
      return;
    }
    handlers[message.topic]?.(message.payload);
  });

  return {
    registry,
    observeCall: ({ name, transport, outcome, seconds }) => {
      calls.inc({ function: name, transport, outcome });
      duration.observe({ function: name, transport }, seconds);
      if (name === 'mission_checkout' && outcome === 'conflict') conflicts.inc();
    },
    close: () => {
      stop();
      registry.clear();
    },
  };
}
