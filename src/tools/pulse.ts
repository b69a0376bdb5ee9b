import { z } from 'zod';
import { noRunner } from '../domain/bridge/runtimes.js';
import type { DomainContext } from '../domain/context.js';
import { pulseStatus, registerPulse, togglePulse } from '../domain/pulse/config.js';
import { AgentPulse, InvokePulse, PulseStatus, RegisterPulse, TogglePulse } from '../domain/pulse/inputs.js';
import { PulseConfig, PulseRun } from '../domain/pulse/model.js';
import { invokePulse, tickPulse } from '../domain/pulse/tick.js';
import { declare } from './declaration.js';
import { statedAs } from './wire-schema.js';

const withNextRuns = z.object({ config: PulseConfig, nextRuns: z.array(z.string()).describe('The next 3 fire times (UTC).') });
const suspended = { realm_suspended: true } as const;

const tickOptions = (ctx: DomainContext) => {
  if (!ctx.runner) throw noRunner();
  return { instanceId: ctx.runner.instanceId };
};

export const pulseFunctions = [
  declare({
    id: 'pulse::register',
    title: 'Schedule agent',
    description:
      'Wake an agent on a cron schedule (5 fields, or 6 with seconds first; a timezone). Upsert: a new pulse starts ' +
      'enabled, an existing one keeps its enabled flag. Each tick sends the agent a thin or full context through its ' +
      'runtime, skipping when there is nothing to do. Returns {config, nextRuns}.',
    errors: {
      not_found: true,
      conflict: true,
      ...suspended,
    },
    input: RegisterPulse,
    output: withNextRuns,
    rest: { method: 'POST', path: '/api/pulse/register' },
    permission: 'control_plane:pulses:write',
    run: (input, ctx) => registerPulse(ctx, input),
  }),
  declare({
    id: 'pulse::invoke',
    title: 'Wake agent now',
    description:
      'Wake an agent now, outside its schedule, through its runtime (the pulse\'s runtimeId, else the node\'s). ' +
      'Unlike a tick it refuses rather than skips, and is not retried. Returns the pulse run (finished with wait).',
    errors: {
      invalid_input: 'the agent has no runtime',
      forbidden: 'the agent is paused, terminated or not a node',
      budget_exceeded: 'over a hard budget limit, or a runaway guard\'s runsPerHour cap (details: scope, kind, limit, current)',
      conflict: 'a run of the agent is still going, or a runaway guard\'s concurrentRuns cap (details: scope, kind, limit, current)',
      not_found: true,
    },
    input: InvokePulse,
    output: statedAs(PulseRun, 'The pulse run started.', 'pulse_status', 'output', '#/properties/recentRuns/items'),
    rest: { method: 'POST', path: '/api/pulse/invoke' },
    permission: 'control_plane:pulses:run',
    idempotent: true,
    run: (input, ctx) => invokePulse(ctx, input, tickOptions(ctx)),
  }),
  declare({
    id: 'pulse::tick',
    title: 'Tick pulse',
    description:
      'Run one tick of an agent\'s pulse now, as the scheduler would: skipped (and recorded with the reason) when the ' +
      'pulse is disabled, the agent paused or terminated, offline or draining by its heartbeats, over budget, still running, ' +
      'idle, or at a runaway guard\'s cap on runs at once or per hour; otherwise invoked, ' +
      'with failed attempts retried and the last one kept as a dead letter. Returns the pulse run.',
    errors: { not_found: true },
    input: AgentPulse,
    output: statedAs(PulseRun, 'The pulse run this tick started.', 'pulse_status', 'output', '#/properties/recentRuns/items'),
    rest: null,
    permission: 'control_plane:pulses:run',
    run: async (input, ctx) => (await tickPulse(ctx, { ...input, source: 'cron', byOperator: true }, tickOptions(ctx)))!,
  }),
  declare({
    id: 'pulse::status',
    title: 'Pulse status',
    description: 'An agent\'s pulse: its config, next fire times, and recent runs newest first (skips, failures, dead letters included).',
    errors: { not_found: true },
    input: PulseStatus,
    output: withNextRuns.extend({ recentRuns: z.array(PulseRun) }),
    rest: { method: 'GET', path: '/api/pulse/:realmId/:agentId' },
    permission: 'control_plane:pulses:read',
    run: (input, ctx) => pulseStatus(ctx, input),
  }),
  declare({
    id: 'pulse::toggle',
    title: 'Enable or disable pulse',
    description: 'Turn an agent\'s pulse on or off; the schedule starts or stops at once in every server process. Returns {config, nextRuns}.',
    errors: { not_found: true, conflict: true, ...suspended },
    input: TogglePulse,
    output: withNextRuns,
    rest: { method: 'PATCH', path: '/api/pulse/:realmId/:agentId' },
    permission: 'control_plane:pulses:write',
    run: (input, ctx) => togglePulse(ctx, input),
  }),
];
