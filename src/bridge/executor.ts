import { existsSync, statSync } from 'node:fs';
import type { Logger } from 'pino';
import type { RunLauncher, RunPlan } from '../domain/bridge/launcher.js';
import { UNREACHABLE, type Run, type Runtime } from '../domain/bridge/model.js';
import { finishRun, getRun, NO_REALM, type RunResult } from '../domain/bridge/runs.js';
import type { Clock } from '../domain/clock.js';
import type { DomainContext } from '../domain/context.js';
import { systemPrincipal } from '../domain/principal.js';
import type { Store } from '../domain/store.js';
import type { EventBus } from '../events/bus.js';
import { adapters } from './adapters/index.js';
import { runEnvironment, runHeaders, runMarker } from './environment.js';
import { MissingEnvironment } from '../domain/bridge/env-references.js';
import { redactText } from '../domain/secrets.js';
import { priceCents, type PriceTable } from './prices.js';
import { signalRun } from './process-tree.js';
import type { ControlPlaneCommand, RunOutcome, RunRequest, Spend, Usage } from './types.js';

export interface ExecutorOptions {
  store: Store;
  clock: Clock;
  bus: EventBus;
  logger: Logger;
  instanceId: string;
  prices: PriceTable;
  /** How a spawned agent starts this server on the same database (claude_code with connectControlPlane). */
  controlPlane: ControlPlaneCommand | null;
  graceMs?: number;
  /** How often a run's owner looks for cancel requests made by other processes. */
  cancelPollMs?: number;
}

const round4 = (n: number) => Math.round(n * 1e4) / 1e4;

/** A run that failed before (or outside) its runtime: nothing ran, nothing is billed. */
const failedResult = (error: string): RunResult => ({
  status: 'failed', output: null, outputTruncated: false, error, stderrTruncated: false, exitCode: null, signal: null,
  sessionId: null, usage: null, costCents: null, provider: null, model: null, permissionDenials: null, keepSession: null,
});

/** The abort reason of runs stopped because this server is shutting down. */
const SHUTDOWN = 'shutdown';
/** The abort reason of runs stopped at the realm's per-run cost ceiling. */
const COST_CEILING = 'cost_ceiling';
const INTERRUPTED = 'interrupted: the server shut down before the run finished';

/** Executes bridge runs in this process: the RunLauncher the domain uses. */
export class BridgeExecutor implements RunLauncher {
  readonly instanceId: string;
  private readonly running = new Map<string, { controller: AbortController; done: Promise<Run>; pid?: number }>();
  private readonly system: DomainContext;
  private readonly poller: NodeJS.Timeout;

  constructor(private readonly options: ExecutorOptions) {
    this.instanceId = options.instanceId;
    this.system = { store: options.store, clock: options.clock, principal: systemPrincipal };
    // The owner of a run is the only process holding its abort controller; others ask through a flag.
    this.poller = setInterval(() => void this.pollCancels(), options.cancelPollMs ?? 250);
    this.poller.unref();
  }

  workDirExists(path: string) {
    return existsSync(path) && statSync(path).isDirectory();
  }

  refusal(runtime: Runtime) {
    const check = adapters[runtime.kind].refusal;
    if (!check) return null;
    let env: Record<string, string>;
    try {
      env = runEnvironment({ id: 'check', agentId: '', realmId: runtime.realmId, missionId: null }, runtime);
    } catch {
      env = { ...runtime.envVars }; // a reference the server cannot resolve yet is judged at run time
    }
    return check(runtime, env);
  }

  launch(run: Run, plan: RunPlan): Promise<Run> {
    const controller = new AbortController();
    const done = this.execute(run, plan, controller.signal).finally(() => this.running.delete(run.id));
    this.running.set(run.id, { controller, done });
    return done;
  }

  async stop(run: Run): Promise<Run> {
    const local = this.running.get(run.id);
    if (local) {
      local.controller.abort();
      return local.done;
    }
    // Another process owns it and will see the cancel flag; wait (bounded) for it to record the end.
    const deadline = Date.now() + (this.options.graceMs ?? 5000) + 5000;
    let current = run;
    while (current.status === 'running' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      current = await getRun(this.system, run.id);
    }
    return current;
  }

  /**
   * Stops every run of this process (recorded as interrupted) and waits for them to be recorded, never past
   * the grace period: what is still running then is killed, and recording gets two seconds more (a run not
   * recorded by then is marked lost by the next process's sweep). `killAfterMs` shortens the grace (a client
   * that went away gets none).
   */
  async close(options: { killAfterMs?: number } = {}) {
    clearInterval(this.poller);
    const runs = [...this.running.entries()];
    for (const [, { controller }] of runs) controller.abort(SHUTDOWN);
    const killAfter = Math.min(options.killAfterMs ?? Infinity, this.options.graceMs ?? 5000);
    const kill = setTimeout(() => {
      for (const [id, r] of runs) signalRun({ ...(r.pid !== undefined ? { pgid: r.pid } : {}), marker: runMarker(id) }, 'SIGKILL');
    }, killAfter);
    let giveUp: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled(runs.map(([, r]) => r.done)), new Promise((resolve) => (giveUp = setTimeout(resolve, killAfter + 2000)))]);
    clearTimeout(kill);
    clearTimeout(giveUp);
  }

  private async pollCancels() {
    if (!this.running.size) return;
    try {
      const ids = await this.options.store.read((tx) => tx.runs.cancelRequested([...this.running.keys()]));
      for (const id of ids) this.running.get(id)?.controller.abort();
    } catch (error) {
      this.options.logger.warn({ err: error }, 'cancel poll failed');
    }
  }

  private async execute(run: Run, plan: RunPlan, signal: AbortSignal): Promise<Run> {
    // The most the run has been seen to spend while it went (an adapter stopped early may report less, or none).
    let seen: { cents: number; usage: Usage | null } | null = null;
    const ceiling = plan.costCeilingCents;
    const onSpend = (spend: Spend) => {
      const cents = this.spendCents(spend);
      if (cents === null || (seen && cents <= seen.cents)) return;
      seen = { cents, usage: spend.usage };
      if (ceiling !== null && cents > ceiling && !signal.aborted) this.running.get(run.id)?.controller.abort(COST_CEILING);
    };
    try {
      const sessionKey = [run.realmId ?? NO_REALM, run.agentId, run.runtimeId] as const;
      const stored = await this.options.store.read((tx) => tx.sessions.get(...sessionKey));
      let env: Record<string, string>;
      let headers: Record<string, string>;
      try {
        env = runEnvironment(run, plan.runtime);
        headers = runHeaders(plan.runtime);
      } catch (error) {
        if (!(error instanceof MissingEnvironment)) throw error;
        return finishRun(this.system, run.id, { ...failedResult(`${UNREACHABLE}: ${error.message}`), model: run.model });
      }
      const request: RunRequest = {
        runId: run.id,
        realmId: run.realmId,
        agentId: run.agentId,
        missionId: run.missionId,
        runtime: plan.runtime,
        context: plan.context,
        prompt: plan.prompt,
        model: plan.model,
        sessionId: stored?.sessionId ?? null,
        previousUsage: (stored?.usage as Usage | null) ?? null,
        timeoutMs: plan.timeoutMs,
        graceMs: this.options.graceMs ?? 5000,
        signal,
        env,
        headers,
        marker: runMarker(run.id),
        controlPlane: this.options.controlPlane,
        onSpend,
        // Output as it arrives, for whoever follows the run live (the dashboard's run tail); not stored, and
        // seen only by this process's bus. Secret-shaped parts are masked as in what is stored (an agent that
        // prints its environment would show DATABASE_URL's password, its API keys); a secret split across two
        // chunks can escape the live view, never the stored output.
        onOutput: (stream, text) =>
          void this.options.bus.publish({ topic: 'bridge.run.output', realmId: run.realmId, origin: 'local', payload: { runId: run.id, agentId: run.agentId, stream, text: redactText(text).text } }),
        onSpawn: (pid, processStart) => {
          const local = this.running.get(run.id);
          if (local) local.pid = pid;
          this.options.store.write((tx) => tx.runs.setProcess(run.id, { pid, processStart })).catch((error) => this.options.logger.warn({ err: error }, 'could not record run pid'));
        },
      };
      const adapter = adapters[plan.runtime.kind];
      let outcome = await adapter.execute(request);
      if (outcome.unknownSession && request.sessionId) {
        // The CLI no longer knows the session: forget it and try once with a fresh one.
        this.options.logger.info({ runId: run.id, sessionId: request.sessionId }, 'unknown session; retrying with a fresh one');
        await this.options.store.write((tx) => tx.sessions.clear(...sessionKey));
        outcome = await adapter.execute({ ...request, sessionId: null, previousUsage: null });
      }
      if (outcome.leftovers > 0) this.options.logger.info({ runId: run.id, processes: outcome.leftovers }, 'stopped processes the run left behind');
      if (outcome.status === 'cancelled' && signal.reason === SHUTDOWN) outcome = { ...outcome, error: INTERRUPTED };
      const reported = this.costCents(outcome);
      const spent = seen as { cents: number; usage: Usage | null } | null;
      const stopped = signal.reason === COST_CEILING;
      // A run stopped early may never report its cost (Claude's comes with its result): bill what was seen.
      const costCents = spent && (reported === null || (stopped && reported < spent.cents)) ? round4(spent.cents) : reported;
      if (costCents !== reported && !outcome.usage) outcome = { ...outcome, usage: spent!.usage };
      const over = ceiling !== null && costCents !== null && costCents > ceiling;
      if (stopped) outcome = { ...outcome, status: 'failed', error: `cost ceiling exceeded: ${costCents} cents > ${ceiling}` };
      // Past the ceiling without being stopped: the adapter reported its cost only at the end (audited all the same).
      const costCeiling = stopped || over ? { limitCents: ceiling!, spentCents: costCents ?? 0, stopped } : null;
      const finished = await finishRun(this.system, run.id, { ...this.result(outcome, costCents), costCeiling });
      // The cost is in the ledger before the run is reported finished: whoever waited for it can read it.
      if (finished.status === outcome.status) await this.publishCost(finished, outcome, costCents);
      return finished;
    } catch (error) {
      this.options.logger.error({ err: error, runId: run.id }, 'run failed inside the server');
      return finishRun(this.system, run.id, { ...failedResult('internal error while running; see the server log'), model: run.model });
    }
  }

  private result(outcome: RunOutcome, costCents: number | null): RunResult {
    return {
      status: outcome.status,
      output: outcome.output === null ? null : redactText(outcome.output).text,
      outputTruncated: outcome.outputTruncated,
      error: outcome.error === null ? null : redactText(outcome.error).text,
      stderrTruncated: outcome.stderrTruncated,
      exitCode: outcome.exitCode,
      signal: outcome.signal,
      sessionId: outcome.sessionId,
      usage: outcome.usage,
      costCents,
      provider: outcome.provider,
      model: outcome.model,
      permissionDenials: outcome.permissionDenials,
      // Session ids from failed runs are never kept.
      keepSession: outcome.status === 'completed' && outcome.sessionId ? { sessionId: outcome.sessionId, usage: outcome.usageSnapshot } : null,
    };
  }

  /** The CLI's own cost when it reports one; otherwise the tokens priced from the table. */
  private costCents(outcome: RunOutcome): number | null {
    if (outcome.costUsd !== null) return round4(outcome.costUsd * 100);
    if (!outcome.usage) return null;
    const cents = priceCents(this.options.prices, outcome.model, outcome.usage);
    if (cents === null) this.options.logger.warn({ model: outcome.model }, 'no price for this model; its tokens are recorded at 0 cents');
    return round4(cents ?? 0);
  }

  /** A spend report in cents: the CLI's own cost, else its tokens priced (null: nothing to price it by). */
  private spendCents(spend: Spend): number | null {
    if (spend.costUsd !== null) return spend.costUsd * 100;
    return spend.usage ? priceCents(this.options.prices, spend.model, spend.usage) : null;
  }

  /** Usage and cost go to the ledger through cost.incurred, with the run id as the event id (counted once). */
  private publishCost(run: Run, outcome: RunOutcome, costCents: number | null): Promise<void> {
    if (!run.realmId || costCents === null) return Promise.resolve();
    return this.options.bus.publish({
      topic: 'cost.incurred',
      realmId: run.realmId,
      origin: 'local',
      payload: {
        realmId: run.realmId,
        agentId: run.agentId,
        costCents,
        provider: ledgerLabel(outcome.provider, 64),
        model: ledgerLabel(outcome.model, 200),
        inputTokens: outcome.usage?.inputTokens ?? 0,
        outputTokens: outcome.usage?.outputTokens ?? 0,
        ...(run.missionId ? { missionId: run.missionId } : {}),
        runId: run.id,
        eventId: run.id,
      },
    });
  }
}

/**
 * A provider or model name as the ledger takes it (trimmed, not empty, at most `max` characters): they come
 * from the model a caller named or from what the CLI printed, and a spend that failed the ledger's checks
 * would be dropped, the run's cost with it.
 */
function ledgerLabel(label: string | null | undefined, max: number): string {
  // Cut, a character split in two would be a lone surrogate, which the audit's canonical JSON refuses.
  const fitted = (label ?? '').trim().slice(0, max).replace(/[\uD800-\uDBFF]$/, '').trim();
  return fitted || 'unknown';
}
