import { appendAudit } from '../audit/chain.js';
import { isoNow } from '../clock.js';
import type { DomainContext } from '../context.js';
import { DomainError, invalidInput, notFound } from '../errors.js';
import { newId } from '../ids.js';
import { looksLikeOption } from '../params.js';
import { requireWithinBudget } from '../ledger/check.js';
import { requireMission } from '../mission/guards.js';
import { seesRealm, systemPrincipal } from '../principal.js';
import { requireWritableRealm } from '../realm/guards.js';
import type { Step, Tx } from '../store.js';
import type { Invoke } from './inputs.js';
import type { RunPlan } from './launcher.js';
import { UNREACHABLE, type Run, type RunStatus } from './model.js';
import { auditCostCeiling, auditCrossing, capCrossing, CapRefusal } from './run-caps.js';
import { noRunner } from './runtimes.js';

/** Sessions of realm-less runs (global runtimes) are kept under this realm id. */
export const NO_REALM = '';

/** The gates every agent run passes in a realm: a node, active, within budget. */
export function* requireRunnableAgent(tx: Tx, ctx: DomainContext, realmId: string, agentId: string): Step<void> {
  const node = yield* tx.nodes.get(realmId, agentId);
  if (!node) throw new DomainError('forbidden', `agent ${agentId} is not in the org chart of realm ${realmId}`, { agentId, reason: 'not_a_node' });
  if (node.status !== 'active') throw new DomainError('forbidden', `agent ${agentId} is ${node.status} and cannot be run`, { agentId, reason: node.status });
  yield* requireWithinBudget(tx, ctx.clock, realmId, agentId);
}

export interface StartRun extends Omit<Invoke, 'wait'> {
  /** Called inside the transaction, after the gates: a pulse records its run beside the bridge run. */
  alsoInTransaction?: (tx: Tx, run: Run) => Step<void>;
}

/**
 * Checks the gates and records a running run, in one transaction; returns the run and what executing it needs.
 * A runaway guard's refusal is returned out of the transaction rather than thrown in it, so that the crossing
 * and its audit entry commit; it is thrown once they have.
 */
export async function startRun(ctx: DomainContext, input: StartRun): Promise<{ run: Run; plan: RunPlan }> {
  const runner = ctx.runner;
  if (!runner) throw noRunner();
  const started = await ctx.store.write(function* (tx): Step<{ run: Run; plan: RunPlan } | CapRefusal> {
    const runtime = yield* tx.runtimes.get(input.runtimeId);
    if (!runtime) throw notFound('runtime', input.runtimeId, { field: 'runtimeId' });
    if (runtime.realmId && input.realmId && runtime.realmId !== input.realmId) {
      throw new DomainError('forbidden', `runtime ${runtime.id} belongs to realm ${runtime.realmId} and cannot run for realm ${input.realmId}`, { runtimeRealmId: runtime.realmId });
    }
    const realmId = input.realmId ?? runtime.realmId;
    let defaultModel: string | null = null;
    let costCeilingCents: number | null = null;
    if (realmId) {
      const realm = yield* requireWritableRealm(tx, realmId);
      defaultModel = realm.defaultModel;
      costCeilingCents = realm.fleet.runCostCents;
      yield* requireRunnableAgent(tx, ctx, realmId, input.agentId);
      if (input.missionId) yield* requireMission(tx, realmId, input.missionId, 'missionId');
      const crossing = yield* capCrossing(tx, ctx.clock.now(), realm.fleet, realmId, input.agentId, runtime.id);
      if (crossing) {
        yield* auditCrossing(tx, ctx.clock, realmId, crossing, input.agentId);
        return new CapRefusal(crossing);
      }
    }
    const model = input.model ?? runtime.model ?? defaultModel;
    // Inputs refuse such a name; a runtime or realm stored before they did may still hold one.
    if (model !== null && looksLikeOption(model)) throw invalidInput('model', `the model "${model}" begins with "-": an agent CLI would read it as an option; set another`);
    const run: Run = {
      id: newId('brun'),
      runtimeId: runtime.id,
      realmId,
      agentId: input.agentId,
      missionId: input.missionId ?? null,
      status: 'running',
      output: null,
      outputTruncated: false,
      error: null,
      stderrTruncated: false,
      exitCode: null,
      signal: null,
      sessionId: null,
      usage: null,
      costCents: null,
      provider: null,
      model,
      permissionDenials: null,
      ownerInstanceId: runner.instanceId,
      startedAt: isoNow(ctx.clock),
      finishedAt: null,
    };
    yield* tx.runs.insert(run);
    if (realmId) {
      yield* appendAudit(tx, ctx.clock, {
        realmId,
        actor: ctx.principal,
        action: 'run_started',
        entityType: 'run',
        entityId: run.id,
        details: { runtimeId: runtime.id, kind: runtime.kind, agentId: run.agentId, missionId: run.missionId },
      });
    }
    if (input.alsoInTransaction) yield* input.alsoInTransaction(tx, run);
    const plan: RunPlan = {
      runtime,
      context: input.context,
      prompt: input.prompt ?? null,
      model: run.model,
      timeoutMs: (input.timeoutSecs ?? runtime.timeoutSecs) * 1000,
      costCeilingCents,
    };
    return { run, plan };
  });
  if (started instanceof CapRefusal) throw started;
  return started;
}

export interface RunResult {
  status: Exclude<RunStatus, 'running'>;
  output: string | null;
  outputTruncated: boolean;
  error: string | null;
  stderrTruncated: boolean;
  exitCode: number | null;
  signal: string | null;
  sessionId: string | null;
  usage: Run['usage'];
  costCents: number | null;
  provider: string | null;
  model: string | null;
  permissionDenials: Run['permissionDenials'];
  /** The session to resume next time (only from a completed run), with the CLI's cumulative usage. */
  keepSession: { sessionId: string; usage: unknown } | null;
  /** Set when the run's spend passed the realm's per-run cost ceiling: audited as a runaway guard. */
  costCeiling?: { limitCents: number; spentCents: number; stopped: boolean } | null;
}

/**
 * The ends that count against an agent's liveness (failed until its next heartbeat): a failure, a timeout, a
 * lost run, a run stopped at the cost ceiling. A cancel is someone's decision, not the agent failing.
 */
const failsAgent = (status: RunStatus) => status === 'failed' || status === 'timed_out';

const finishActions = { completed: 'run_finished', failed: 'run_finished', timed_out: 'run_finished', cancelled: 'run_cancelled' } as const;

/**
 * Records how a run ended: a system write (allowed in a suspended realm), guarded by status = 'running', so a
 * run finishes, times out, is cancelled or is lost exactly once. Returns the run as stored.
 */
export function finishRun(ctx: DomainContext, runId: string, result: RunResult): Promise<Run> {
  return ctx.store.write(function* (tx) {
    const { keepSession, costCeiling, ...fields } = result;
    const finished = yield* tx.runs.finish(runId, { ...fields, finishedAt: isoNow(ctx.clock) });
    if (!finished) {
      const current = yield* tx.runs.get(runId);
      if (!current) throw notFound('run', runId);
      return current;
    }
    if (keepSession) {
      yield* tx.sessions.set(finished.realmId ?? NO_REALM, finished.agentId, finished.runtimeId, keepSession, isoNow(ctx.clock));
    }
    if (finished.realmId) {
      yield* appendAudit(tx, ctx.clock, {
        realmId: finished.realmId,
        actor: systemPrincipal,
        action: finishActions[result.status],
        entityType: 'run',
        entityId: runId,
        details: { status: finished.status, exitCode: finished.exitCode, signal: finished.signal, costCents: finished.costCents },
      });
      if (costCeiling) yield* auditCostCeiling(tx, ctx.clock, finished.realmId, runId, finished.agentId, costCeiling);
      if (failsAgent(finished.status)) yield* tx.nodes.markFailed(finished.realmId, finished.agentId, finished.finishedAt!);
    }
    tx.announce({ topic: 'bridge.run.completed', realmId: finished.realmId, payload: { runId, agentId: finished.agentId, status: finished.status } });
    return finished;
  });
}

/**
 * Marks a run whose owner process is gone as failed (process_lost); `alsoInTransaction` ends what waited on it
 * in the same unit of work (a pulse run: src/domain/pulse/lost-run.ts).
 */
export function loseRun(ctx: DomainContext, runId: string, alsoInTransaction?: (tx: Tx, lost: Run) => Step<unknown>): Promise<Run | null> {
  return ctx.store.write(function* (tx) {
    const lost = yield* tx.runs.finish(runId, { status: 'failed', error: 'process_lost', finishedAt: isoNow(ctx.clock) });
    if (!lost) return null;
    if (alsoInTransaction) yield* alsoInTransaction(tx, lost);
    if (lost.realmId) {
      yield* appendAudit(tx, ctx.clock, { realmId: lost.realmId, actor: systemPrincipal, action: 'run_lost', entityType: 'run', entityId: runId, details: { ownerInstanceId: lost.ownerInstanceId } });
      yield* tx.nodes.markFailed(lost.realmId, lost.agentId, lost.finishedAt!);
    }
    tx.announce({ topic: 'bridge.run.completed', realmId: lost.realmId, payload: { runId, agentId: lost.agentId, status: lost.status } });
    return lost;
  });
}

/** A run the principal may see: outside its realm a run does not exist for it; an agent sees its own only. */
function* visibleRun(tx: Tx, ctx: DomainContext, runId: string): Step<Run> {
  const run = yield* tx.runs.get(runId);
  if (!run || !seesRealm(ctx.principal, run.realmId)) throw notFound('run', runId, { field: 'runId' });
  if (ctx.principal.role === 'agent' && run.agentId !== ctx.principal.id) {
    throw new DomainError('forbidden', `run ${runId} is another agent's; agent ${ctx.principal.id} may read its own runs only`, { reason: 'not_your_run', field: 'runId' });
  }
  return run;
}

export const getRun = (ctx: DomainContext, runId: string) => ctx.store.read((tx) => visibleRun(tx, ctx, runId));

/** Really stops a run: a finished run is conflict; otherwise the launcher stops it wherever it runs. */
export async function cancelRun(ctx: DomainContext, runId: string): Promise<Run> {
  const runner = ctx.runner;
  if (!runner) throw noRunner();
  const run = await ctx.store.write(function* (tx) {
    const found = yield* visibleRun(tx, ctx, runId);
    if (found.status !== 'running') {
      throw new DomainError('conflict', `run ${runId} already ended (${found.status})`, { status: found.status });
    }
    yield* tx.runs.requestCancel(runId);
    return found;
  });
  return runner.stop(run);
}

/** bridge_invoke: start a run, then return it at once or wait for it (reporting progress meanwhile). */
export async function invoke(ctx: DomainContext, input: Invoke): Promise<Run> {
  const { wait, ...start } = input;
  const { run, plan } = await startRun(ctx, start);
  const finished = ctx.runner!.launch(run, plan);
  if (!wait) return run;
  const began = Date.now();
  const report = () => ctx.progress?.({ progress: Math.round((Date.now() - began) / 1000), message: `run ${run.id} running` });
  report();
  // Every 5 s, well inside the 10 s the spec asks for, so clients that reset their timeout on progress wait on.
  const ticker = ctx.progress ? setInterval(report, 5000) : undefined;
  let done: Run;
  try {
    done = await finished;
  } finally {
    clearInterval(ticker);
  }
  // A runtime that never answered is the caller's upstream failing (502), not a run that tried and failed.
  if (done.status === 'failed' && done.error?.startsWith(UNREACHABLE)) {
    throw new DomainError('runtime_error', `runtime ${done.runtimeId} could not be reached: ${done.error.slice(UNREACHABLE.length + 2)} (the run is recorded as failed)`, {
      runId: done.id,
      runtimeId: done.runtimeId,
      error: done.error,
    });
  }
  return done;
}
