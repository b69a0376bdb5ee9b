import { appendAudit } from '../audit/chain.js';
import type { RunPlan } from '../bridge/launcher.js';
import type { Run } from '../bridge/model.js';
import { startRun } from '../bridge/runs.js';
import { noRunner } from '../bridge/runtimes.js';
import { auditCrossing, capCrossing, CapRefusal, type CapKind } from '../bridge/run-caps.js';
import { livenessOf, takesPulses } from '../fleet/liveness.js';
import type { Realm } from '../realm/model.js';
import { isoNow } from '../clock.js';
import type { DomainContext } from '../context.js';
import { DomainError, invalidInput } from '../errors.js';
import { newId } from '../ids.js';
import { checkBudgets, requireWithinBudget } from '../ledger/check.js';
import { systemPrincipal } from '../principal.js';
import { takeableMissions } from '../mission/guards.js';
import { requireRealm } from '../realm/guards.js';
import type { Step, Tx } from '../store.js';
import { type ContextMode, agentContext } from './context.js';
import { requirePulse } from './config.js';
import type { PulseConfig, PulseRun, SkipReason } from './model.js';

export interface TickRequest {
  realmId: string;
  agentId: string;
  source: PulseRun['source'];
  /** The cron slot (cron ticks only): claimed once across every process. */
  scheduledFor?: string;
  /** For a retry: the attempt that failed. */
  retryOf?: PulseRun;
  /** The scheduler drops a disabled pulse's timer silently; the operator tool records the skip. */
  byOperator?: boolean;
}

export interface TickOptions {
  instanceId: string;
  /** First retry delay (2 s in production); the nth waits base * 2^(n-1) with full jitter, at most 5 min. */
  retryBaseMs?: number;
  random?: () => number;
}

type Decision =
  | { kind: 'drop' }
  | { kind: 'skip'; run: PulseRun }
  | { kind: 'go'; config: PulseConfig; runtimeId: string | null };

const capSkip: Record<CapKind, SkipReason> = { concurrentRuns: 'concurrent_runs_cap', runsPerHour: 'runs_per_hour_cap' };

/**
 * The gates of a tick, in order; the first that holds is the skip reason. The runaway guards come last: a tick
 * that would be skipped anyway does not count as a crossing. startRun checks them again (another run may
 * start in between); execute records that refusal as the same skip.
 */
function* skipReason(tx: Tx, ctx: DomainContext, realm: Realm, config: PulseConfig, runtimeId: string | null): Step<SkipReason | null> {
  if (!config.enabled) return 'disabled';
  const node = yield* tx.nodes.get(config.realmId, config.agentId);
  if (!node || node.status === 'terminated') return 'agent_terminated';
  if (node.status === 'paused') return 'agent_paused';
  const running = yield* tx.runs.runningFor(config.realmId, config.agentId);
  const liveness = livenessOf(node, ctx.clock.now(), realm.fleet, running.length > 0);
  if (!takesPulses(liveness)) return liveness as 'offline' | 'draining';
  if (!(yield* checkBudgets(tx, ctx.clock, config.realmId, config.agentId)).allowed) return 'over_budget';
  const busy = (yield* tx.pulses.runningFor(config.realmId, config.agentId)).length + running.length;
  if (busy > 0) return 'overlap';
  if (config.skipWhenIdle) {
    // No LLM is woken for nothing: work in hand, or a queued mission it could take.
    const own = yield* tx.missions.assignedTo(config.realmId, config.agentId, ['active', 'review', 'blocked']);
    if (own.length === 0 && (yield* takeableMissions(tx, ctx.clock, node, 1)).length === 0) return 'idle';
  }
  if (runtimeId) {
    const crossing = yield* capCrossing(tx, ctx.clock.now(), realm.fleet, config.realmId, config.agentId, runtimeId);
    if (crossing) {
      yield* auditCrossing(tx, ctx.clock, config.realmId, crossing, config.agentId);
      return capSkip[crossing.kind];
    }
  }
  return null;
}

/** Records a skip; consecutive identical skips are one row with a count. */
function* recordSkip(tx: Tx, ctx: DomainContext, req: TickRequest, reason: SkipReason): Step<PulseRun> {
  const now = isoNow(ctx.clock);
  const last = yield* tx.pulses.latestRun(req.realmId, req.agentId);
  if (last && last.status === 'skipped' && last.skipReason === reason) {
    return (yield* tx.pulses.updateRun(last.id, { skipCount: last.skipCount + 1, finishedAt: now }))!;
  }
  const run: PulseRun = {
    id: newId('run'), realmId: req.realmId, agentId: req.agentId, source: req.source, status: 'skipped', attempt: req.retryOf ? req.retryOf.attempt + 1 : 1,
    skipReason: reason, skipCount: 1, bridgeRunId: null, contextSnapshot: null, nextAttemptAt: null, startedAt: now, finishedAt: now, error: null,
  };
  yield* tx.pulses.insertRun({ ...run, scheduledFor: null });
  tx.announce({ topic: 'pulse.run', realmId: req.realmId, payload: { agentId: req.agentId, runId: run.id, status: 'skipped', skipReason: reason } });
  return run;
}

const finalStatus = { completed: 'completed', failed: 'failed', timed_out: 'timed_out', cancelled: 'failed', running: 'failed' } as const;

/** Full-jitter exponential backoff: a random wait up to base * 2^(attempt-1), capped at 5 minutes. */
/** The first retry delay of a failed pulse attempt unless the scheduler is given another. */
export const DEFAULT_RETRY_BASE_MS = 2000;

export const retryDelayMs = (attempt: number, baseMs: number, random: () => number) => Math.floor(random() * Math.min(300_000, baseMs * 2 ** (attempt - 1)));

/**
 * One tick of an agent's pulse. Skipped (recorded with its reason) when a gate holds; otherwise the agent is
 * invoked through its runtime with the pulse's context, and the attempt is retried with backoff if it fails,
 * until maxRetries: the last failure is dead (a dead letter). Returns null when there is nothing to record
 * (another process has the slot, or the scheduler met a disabled pulse).
 */
export async function tickPulse(ctx: DomainContext, req: TickRequest, options: TickOptions): Promise<PulseRun | null> {
  const system: DomainContext = { ...ctx, principal: systemPrincipal };
  const decision = await ctx.store.write(function* (tx): Step<Decision> {
    const realm = yield* requireRealm(tx, req.realmId);
    const config = yield* requirePulse(tx, req.realmId, req.agentId);
    if (req.scheduledFor && !(yield* tx.pulses.claimSlot(req.realmId, req.agentId, req.scheduledFor, options.instanceId))) return { kind: 'drop' };
    // A suspended realm's pulses stop; so does a disabled pulse's timer (silently, unless an operator asked).
    if (realm.status !== 'active' || (!config.enabled && !req.byOperator)) return { kind: 'drop' };
    const node = yield* tx.nodes.get(req.realmId, req.agentId);
    const runtimeId = config.runtimeId ?? node?.runtimeId ?? null;
    const reason = yield* skipReason(tx, ctx, realm, config, runtimeId);
    if (reason) return { kind: 'skip', run: yield* recordSkip(tx, ctx, req, reason) };
    return { kind: 'go', config, runtimeId };
  });
  if (decision.kind === 'drop') return null;
  if (decision.kind === 'skip') return decision.run;
  return execute(system, req, decision.config, decision.runtimeId, decision.config.contextMode, options);
}

/** Builds the context, starts the bridge run with its pulse run beside it, waits, and records the end. */
async function execute(
  ctx: DomainContext,
  req: TickRequest,
  config: PulseConfig,
  runtimeId: string | null,
  mode: ContextMode,
  options: TickOptions,
  retries = true,
  /** Called once the pulse run is recorded as running. */
  onStarted?: (run: PulseRun) => void,
): Promise<PulseRun> {
  const attempt = req.retryOf ? req.retryOf.attempt + 1 : 1;
  const pulseRun: PulseRun = {
    id: newId('run'), realmId: req.realmId, agentId: req.agentId, source: req.source, status: 'running', attempt, skipReason: null, skipCount: 0,
    bridgeRunId: null, contextSnapshot: null, nextAttemptAt: null, startedAt: isoNow(ctx.clock), finishedAt: null, error: null,
  };
  let started: { run: Run; plan: RunPlan } | null = null;
  let failure: string | null = null;
  try {
    if (!runtimeId) throw invalidInput('runtimeId', `agent ${req.agentId} has no runtime: set the pulse's runtimeId or the node's`);
    const context = (await agentContext(ctx, req.realmId, req.agentId, mode)) as Record<string, unknown>;
    pulseRun.contextSnapshot = context;
    started = await startRun(ctx, {
      runtimeId,
      agentId: req.agentId,
      realmId: req.realmId,
      context,
      prompt: 'You were woken by your pulse. Check your missions and directives, then do the most useful next piece of work.',
      ...(config.timeoutSecs ? { timeoutSecs: config.timeoutSecs } : {}),
      alsoInTransaction: function* (tx, run) {
        yield* tx.pulses.insertRun({ ...pulseRun, bridgeRunId: run.id, scheduledFor: req.scheduledFor ?? null });
        yield* appendAudit(tx, ctx.clock, { realmId: req.realmId, actor: systemPrincipal, action: 'pulse_run_started', entityType: 'pulse', entityId: req.agentId, details: { runId: pulseRun.id, bridgeRunId: run.id, source: req.source, attempt } });
        tx.announce({ topic: 'pulse.run', realmId: req.realmId, payload: { agentId: req.agentId, runId: pulseRun.id, status: 'running' } });
      },
    });
  } catch (error) {
    // A tick records why it could not start; a manual invoke (no retries) refuses instead.
    if (!(error instanceof DomainError) || !retries) throw error;
    // A runaway guard is no failure to retry (that would feed the loop it stops): the tick is skipped.
    if (error instanceof CapRefusal) return ctx.store.write((tx) => recordSkip(tx, ctx, req, capSkip[error.crossing.kind]));
    failure = error.message;
  }
  if (started) onStarted?.({ ...pulseRun, bridgeRunId: started.run.id });
  const finished = started ? await ctx.runner!.launch(started.run, started.plan) : null;
  const status = finished ? finalStatus[finished.status] : 'failed';
  const error = finished ? finished.error : failure;
  const canRetry = retries && status !== 'completed' && started !== null && attempt <= config.maxRetries;
  const dead = retries && status !== 'completed' && !canRetry;
  const delay = canRetry ? retryDelayMs(attempt, options.retryBaseMs ?? DEFAULT_RETRY_BASE_MS, options.random ?? Math.random) : 0;
  return ctx.store.write(function* (tx) {
    // Another process's sweep may have ended it already (this process was frozen or cut off long enough to
    // count as gone: src/domain/pulse/lost-run.ts); its verdict, and the retry it may have scheduled, stand.
    const current = started ? yield* tx.pulses.run(pulseRun.id) : null;
    if (current && current.status !== 'running') return current;
    const end = {
      status: dead ? ('dead' as const) : status,
      finishedAt: isoNow(ctx.clock),
      error,
      nextAttemptAt: canRetry ? new Date(ctx.clock.now().getTime() + delay).toISOString() : null,
    };
    const stored = started ? yield* tx.pulses.updateRun(pulseRun.id, end) : null;
    const run = stored ?? { ...pulseRun, ...end };
    if (!stored) yield* tx.pulses.insertRun({ ...run, scheduledFor: req.scheduledFor ?? null });
    yield* appendAudit(tx, ctx.clock, { realmId: req.realmId, actor: systemPrincipal, action: 'pulse_run_finished', entityType: 'pulse', entityId: req.agentId, details: { runId: run.id, status: run.status, attempt, error } });
    tx.announce({ topic: 'pulse.run', realmId: req.realmId, payload: { agentId: req.agentId, runId: run.id, status: run.status } });
    return run;
  });
}

/**
 * pulse_invoke: refuses instead of skipping (paused or terminated forbidden, over budget budget_exceeded, a run
 * still going conflict), is not retried, and returns the pulse run (finished with wait).
 */
export async function invokePulse(ctx: DomainContext, input: { realmId: string; agentId: string; contextMode?: ContextMode; wait: boolean }, options: TickOptions) {
  if (!ctx.runner) throw noRunner();
  const { config, runtimeId } = await ctx.store.read(function* (tx) {
    yield* requireRealm(tx, input.realmId);
    const node = yield* tx.nodes.get(input.realmId, input.agentId);
    if (!node) throw new DomainError('forbidden', `agent ${input.agentId} is not in the org chart`, { reason: 'not_a_node' });
    if (node.status !== 'active') throw new DomainError('forbidden', `agent ${input.agentId} is ${node.status}`, { reason: node.status });
    yield* requireWithinBudget(tx, ctx.clock, input.realmId, input.agentId);
    const busy = [...(yield* tx.pulses.runningFor(input.realmId, input.agentId)), ...(yield* tx.runs.runningFor(input.realmId, input.agentId))];
    if (busy.length) throw new DomainError('conflict', `agent ${input.agentId} has a run still going`, { runId: busy[0]!.id });
    const pulse = yield* tx.pulses.config(input.realmId, input.agentId);
    const runtime = pulse?.runtimeId ?? node.runtimeId;
    if (!runtime) throw invalidInput('runtimeId', `agent ${input.agentId} has no runtime: set the pulse's runtimeId or the node's`);
    return { config: pulse, runtimeId: runtime };
  });
  const effective: PulseConfig = config ?? {
    realmId: input.realmId, agentId: input.agentId, cron: '', timezone: 'UTC', enabled: false, contextMode: 'thin', runtimeId, timeoutSecs: null,
    maxRetries: 0, skipWhenIdle: false, version: 0, createdAt: '', updatedAt: '',
  };
  const mode = input.contextMode ?? effective.contextMode;
  const req: TickRequest = { realmId: input.realmId, agentId: input.agentId, source: 'manual' };
  let started!: (run: PulseRun) => void;
  const recorded = new Promise<PulseRun>((resolve) => (started = resolve));
  const running = execute(ctx, req, effective, runtimeId, mode, options, false, started);
  if (input.wait) return running;
  // Without wait: answer as soon as the run is recorded (or has already ended, e.g. it could not start).
  running.catch(() => {});
  return Promise.race([recorded, running]);
}
