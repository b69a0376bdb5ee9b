import { appendAudit } from '../audit/chain.js';
import { isoNow } from '../clock.js';
import type { DomainContext } from '../context.js';
import { notFound } from '../errors.js';
import { requireRuntimeFor } from '../bridge/guards.js';
import { requireNode } from '../hierarchy/guards.js';
import { requireRealm, requireWritableRealm } from '../realm/guards.js';
import type { Step, Tx } from '../store.js';
import { casOrConflict, checkUpsertVersion, checkVersion, givenFields } from '../versions.js';
import { checkCron, nextRuns } from './cron.js';
import type { RegisterPulse, TogglePulse } from './inputs.js';
import type { PulseConfig } from './model.js';

const withNextRuns = (ctx: DomainContext, config: PulseConfig) => ({
  config,
  nextRuns: config.enabled ? nextRuns(config.cron, config.timezone, ctx.clock.now()) : [],
});

export function* requirePulse(tx: Tx, realmId: string, agentId: string): Step<PulseConfig> {
  const config = yield* tx.pulses.config(realmId, agentId);
  if (!config) throw notFound('pulse', agentId, { realmId, agentId });
  return config;
}

/** Upserts an agent's schedule: live at once in the process holding the scheduler lease. */
export function registerPulse(ctx: DomainContext, input: RegisterPulse) {
  return ctx.store.write(function* (tx) {
    yield* requireWritableRealm(tx, input.realmId);
    yield* requireNode(tx, input.realmId, input.agentId);
    if (input.runtimeId) yield* requireRuntimeFor(tx, input.realmId, input.runtimeId);
    const existing = yield* tx.pulses.config(input.realmId, input.agentId);
    checkCron(input.cron, input.timezone ?? existing?.timezone ?? 'UTC');
    const now = isoNow(ctx.clock);
    let config: PulseConfig;
    checkUpsertVersion('pulse', input.agentId, existing, input.expectedVersion);
    if (existing) {
      const patch = givenFields(input, ['cron', 'contextMode', 'runtimeId', 'timeoutSecs', 'maxRetries', 'timezone', 'skipWhenIdle']);
      // An existing pulse keeps its enabled flag.
      config = casOrConflict(yield* tx.pulses.updateConfig(input.realmId, input.agentId, existing.version, { ...patch, updatedAt: now }), 'pulse', input.agentId, existing);
    } else {
      config = {
        realmId: input.realmId,
        agentId: input.agentId,
        cron: input.cron,
        timezone: input.timezone ?? 'UTC',
        enabled: true,
        contextMode: input.contextMode ?? 'thin',
        runtimeId: input.runtimeId ?? null,
        timeoutSecs: input.timeoutSecs ?? null,
        maxRetries: input.maxRetries ?? 2,
        skipWhenIdle: input.skipWhenIdle ?? true,
        version: 1,
        createdAt: now,
        updatedAt: now,
      };
      yield* tx.pulses.insertConfig(config);
    }
    yield* appendAudit(tx, ctx.clock, {
      realmId: input.realmId,
      actor: ctx.principal,
      action: 'pulse_registered',
      entityType: 'pulse',
      entityId: input.agentId,
      details: { cron: config.cron, timezone: config.timezone, contextMode: config.contextMode, runtimeId: config.runtimeId },
    });
    tx.announce({ topic: 'pulse.changed', realmId: input.realmId, payload: { agentId: input.agentId } });
    return withNextRuns(ctx, config);
  });
}

/** Turns a schedule on or off, in every process at once. */
export function togglePulse(ctx: DomainContext, input: TogglePulse) {
  return ctx.store.write(function* (tx) {
    yield* requireWritableRealm(tx, input.realmId);
    const existing = yield* requirePulse(tx, input.realmId, input.agentId);
    checkVersion('pulse', input.agentId, existing, input.expectedVersion);
    const config = casOrConflict(
      yield* tx.pulses.updateConfig(input.realmId, input.agentId, existing.version, { enabled: input.enabled, updatedAt: isoNow(ctx.clock) }),
      'pulse', input.agentId, existing,
    );
    yield* appendAudit(tx, ctx.clock, { realmId: input.realmId, actor: ctx.principal, action: 'pulse_toggled', entityType: 'pulse', entityId: input.agentId, details: { enabled: input.enabled } });
    tx.announce({ topic: 'pulse.changed', realmId: input.realmId, payload: { agentId: input.agentId } });
    return withNextRuns(ctx, config);
  });
}

export function pulseStatus(ctx: DomainContext, input: { realmId: string; agentId: string; limit: number }) {
  return ctx.store.read(function* (tx) {
    yield* requireRealm(tx, input.realmId);
    const config = yield* requirePulse(tx, input.realmId, input.agentId);
    return { ...withNextRuns(ctx, config), recentRuns: yield* tx.pulses.runs(input.realmId, input.agentId, input.limit) };
  });
}

/** Every pulse of a realm with its next runs, and the dead letters (for the pulse resource). */
export function pulseOverview(ctx: DomainContext, realmId: string) {
  return ctx.store.read(function* (tx) {
    yield* requireRealm(tx, realmId);
    const configs = yield* tx.pulses.configs(realmId);
    return { pulses: configs.map((c) => withNextRuns(ctx, c)), deadLetters: yield* tx.pulses.deadLetters(realmId, 100) };
  });
}
