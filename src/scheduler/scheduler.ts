import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { Clock } from '../domain/clock.js';
import type { DomainContext } from '../domain/context.js';
import type { RunLauncher } from '../domain/bridge/launcher.js';
import type { PulseConfig } from '../domain/pulse/model.js';
import { tickPulse, type TickOptions, type TickRequest } from '../domain/pulse/tick.js';
import { systemPrincipal } from '../domain/principal.js';
import type { Store } from '../domain/store.js';
import type { EventBus } from '../events/bus.js';

export interface SchedulerOptions {
  store: Store;
  clock: Clock;
  bus: EventBus;
  logger: Logger;
  instanceId: string;
  runner: RunLauncher;
  /** The lease expires this long after its last renewal (~15 s); it is renewed every renewMs (~5 s). */
  leaseMs?: number;
  renewMs?: number;
  /** How often due retries are looked for. */
  retryPollMs?: number;
  retryBaseMs?: number;
}

const LEASE = 'pulse-scheduler';
const key = (realmId: string, agentId: string) => `${realmId}\u0000${agentId}`;
// Leases compare times written by different processes: the machine's clock, not the injectable one.
const at = (ms: number) => new Date(ms).toISOString();

/**
 * Runs pulse schedules, in the one process that holds the scheduler lease. Every process competes for the
 * lease; the holder loads every enabled pulse into croner jobs, keeps them in step with pulse changes (its own
 * and, through the change feed, other processes'), and fires due retries. If the holder dies, the lease
 * lapses and another process takes over within the lease time. Each cron slot is claimed in the database, so
 * a slot fires once even while two processes briefly both think they lead.
 */
export class PulseScheduler {
  private leader = false;
  /**
   * When the lease this process last took runs out (its own clock). A process frozen past it (SIGSTOP, a VM
   * paused, a long GC) may have been replaced: it fires nothing until it has renewed, so that the seconds it
   * owes are not fired late by the process that is no longer the leader.
   */
  private leaseUntil = 0;
  private readonly jobs = new Map<string, Cron>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly unsubscribe: () => void;
  private readonly ctx: DomainContext;
  private readonly tickOptions: TickOptions;
  private closed = false;

  constructor(private readonly options: SchedulerOptions) {
    // A lease renewed less often than it lasts would lapse between renewals, and the leader would skip slots.
    if ((options.renewMs ?? 5000) * 2 > (options.leaseMs ?? 15_000)) throw new Error('scheduler: renewMs must be at most half of leaseMs');
    this.ctx = { store: options.store, clock: options.clock, principal: systemPrincipal, runner: options.runner };
    this.tickOptions = { instanceId: options.instanceId, retryBaseMs: options.retryBaseMs };
    const unsubscribes = [
      options.bus.subscribe('pulse.changed', (m) => {
        if (this.leader && m.realmId) void this.reschedule(m.realmId, String(m.payload.agentId));
      }),
      // Schedule changes may have been missed: the leader reads every schedule again.
      options.bus.subscribe('store.resync', () => {
        if (this.leader) void this.reloadAll();
      }),
      // A deleted realm's schedules stop at once.
      options.bus.subscribe('realm.lifecycle', (m) => {
        if (m.payload.event !== 'deleted' || !m.realmId) return;
        for (const [k, job] of this.jobs) {
          if (k.startsWith(`${m.realmId}\u0000`)) {
            job.stop();
            this.jobs.delete(k);
          }
        }
      }),
    ];
    this.unsubscribe = () => unsubscribes.forEach((u) => u());
    const every = (ms: number, fn: () => Promise<void>) => {
      const timer = setInterval(() => void fn(), ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(options.renewMs ?? 5000, () => this.competeForLease());
    every(options.retryPollMs ?? 1000, () => this.fireDueRetries());
  }

  get isLeader() {
    return this.leader;
  }

  /** Takes part in the first election at once (rather than after renewMs). */
  start() {
    return this.competeForLease();
  }

  async close() {
    this.closed = true;
    this.timers.forEach(clearInterval);
    this.unsubscribe();
    // A lease write in flight may make this process the leader after all: it finishes first, then is released.
    await this.competing;
    this.stopAll();
    if (this.leader || this.leaseUntil > 0) await this.options.store.write((tx) => tx.processes.releaseLease(LEASE, this.options.instanceId)).catch(() => {});
    this.leader = false;
    this.leaseUntil = 0;
  }

  private async reloadAll() {
    try {
      const configs = await this.options.store.read((tx) => tx.pulses.enabledConfigs());
      this.stopAll();
      configs.forEach((c) => this.schedule(c));
    } catch (error) {
      this.options.logger.warn({ err: error }, 'reloading the schedules failed');
    }
  }

  private competing: Promise<void> | null = null;

  /** One lease write at a time: every due job of a lapsed process asks at once. */
  private competeForLease(): Promise<void> {
    this.competing ??= this.takeOrRenewLease().finally(() => (this.competing = null));
    return this.competing;
  }

  private async takeOrRenewLease() {
    if (this.closed) return;
    try {
      const now = Date.now();
      const until = now + (this.options.leaseMs ?? 15_000);
      const held = await this.options.store.write((tx) => tx.processes.lease(LEASE, this.options.instanceId, at(now), at(until)));
      this.leaseUntil = held ? until : 0;
      if (held && !this.leader && !this.closed) {
        this.leader = true;
        this.options.logger.info({ instanceId: this.options.instanceId }, 'holding the scheduler lease: pulses run here');
        const configs = await this.options.store.read((tx) => tx.pulses.enabledConfigs());
        configs.forEach((c) => this.schedule(c));
      } else if (!held && this.leader) {
        this.leader = false;
        this.stopAll();
        this.options.logger.info('lost the scheduler lease');
      }
    } catch (error) {
      this.options.logger.warn({ err: error }, 'scheduler lease check failed');
    }
  }

  private stopAll() {
    for (const job of this.jobs.values()) job.stop();
    this.jobs.clear();
  }

  private async reschedule(realmId: string, agentId: string) {
    const config = await this.options.store.read((tx) => tx.pulses.config(realmId, agentId));
    this.jobs.get(key(realmId, agentId))?.stop();
    this.jobs.delete(key(realmId, agentId));
    if (config?.enabled && this.leader) this.schedule(config);
  }

  private schedule(config: PulseConfig) {
    const job = new Cron(config.cron, { timezone: config.timezone, protect: false }, (self: Cron) => {
      const slot = self.currentRun() ?? new Date();
      const scheduledFor = new Date(Math.floor(slot.getTime() / 1000) * 1000).toISOString();
      void this.holdsLease().then(async (holds) => {
        if (!holds) return;
        const run = await this.tick({ realmId: config.realmId, agentId: config.agentId, source: 'cron', scheduledFor });
        // A disabled or vanished pulse drops its timer silently.
        if (run === null) void this.reschedule(config.realmId, config.agentId);
      });
    });
    this.jobs.set(key(config.realmId, config.agentId), job);
  }

  /**
   * Whether this process may fire now. Past its own lease it renews first (the slot it was about to fire is
   * fired late if it still leads; the slot claim keeps it from firing twice) and otherwise fires nothing.
   */
  private async holdsLease(): Promise<boolean> {
    if (this.closed) return false;
    if (Date.now() < this.leaseUntil) return true;
    await this.competeForLease();
    return !this.closed && Date.now() < this.leaseUntil;
  }

  private async fireDueRetries() {
    if (!this.leader || this.closed || !(await this.holdsLease())) return;
    try {
      const due = await this.options.store.read((tx) => tx.pulses.dueRetries(this.options.clock.now().toISOString()));
      for (const failed of due) {
        const claimed = await this.options.store.write((tx) => tx.pulses.claimRetry(failed.id));
        if (claimed) void this.tick({ realmId: failed.realmId, agentId: failed.agentId, source: 'retry', retryOf: claimed });
      }
    } catch (error) {
      this.options.logger.warn({ err: error }, 'retry poll failed');
    }
  }

  private async tick(req: TickRequest) {
    try {
      return await tickPulse(this.ctx, req, this.tickOptions);
    } catch (error) {
      this.options.logger.error({ err: error, realmId: req.realmId, agentId: req.agentId }, 'pulse tick failed');
      return undefined;
    }
  }

  /** The scheduled pulses (for tests and status). */
  get scheduled() {
    return [...this.jobs.keys()].map((k) => k.split('\u0000').join('/'));
  }
}
