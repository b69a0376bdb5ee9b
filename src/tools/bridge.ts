import { Invoke, ListRuntimes, RegisterRuntime, RunId } from '../domain/bridge/inputs.js';
import { Run, Runtime } from '../domain/bridge/model.js';
import { cancelRun, getRun, invoke } from '../domain/bridge/runs.js';
import { listRuntimes, registerRuntime } from '../domain/bridge/runtimes.js';
import { declare } from './declaration.js';
import { statedAs, statedAsItemOf } from './wire-schema.js';
import { pageOf } from './outputs.js';

export const bridgeFunctions = [
  declare({
    id: 'bridge::register',
    title: 'Register runtime',
    description:
      'Register a runtime that runs agents: process or custom (a command; the context is its last argument), http ' +
      '(runs are POSTed to a url), or an agent CLI: claude_code, codex, cursor, opencode (their binary by default). ' +
      'Global unless realmId is given. Returns the runtime, with secret-looking envVars and headers shown as "[REDACTED]".',
    errors: { not_found: true, realm_suspended: true },
    input: RegisterRuntime,
    output: statedAsItemOf(Runtime, 'The runtime registered.', 'bridge_list', 'runtimes'),
    rest: { method: 'POST', path: '/api/bridge/runtimes' },
    permission: 'control_plane:runtimes:write',
    idempotent: true,
    run: (input, ctx) => registerRuntime(ctx, input),
  }),
  declare({
    id: 'bridge::invoke',
    title: 'Run agent',
    description:
      'Run an agent through a runtime with a context (and a prompt). Returns the run at once (status running), or ' +
      'with wait: true the finished run (progress notifications every few seconds if you sent a progressToken; ' +
      'cancelling the call does not cancel the run: use bridge_cancel). Usage and cost go to the ledger.',
    errors: {
      not_found: true,
      forbidden: 'the runtime belongs to another realm, or the agent is not a node, paused or terminated',
      budget_exceeded: 'over a hard budget limit, or a runaway guard: the agent, runtime or realm started its runsPerHour (details: scope, kind, limit, current)',
      conflict: 'a runaway guard: the agent, runtime or realm has its concurrentRuns running (details: scope, kind, limit, current)',
      realm_suspended: true,
      runtime_error: 'with wait: the runtime could not be started or reached (details.runId: the run, recorded as failed)',
    },
    input: Invoke,
    output: statedAs(Run, 'The run: finished when wait was true, else as it started.', 'bridge_run'),
    rest: { method: 'POST', path: '/api/bridge/invoke' },
    permission: 'control_plane:runs:write',
    idempotent: true,
    run: (input, ctx) => invoke(ctx, input),
  }),
  declare({
    id: 'bridge::cancel',
    title: 'Cancel run',
    description:
      'Stop a running run, whichever server process started it: its whole process tree gets SIGTERM, then SIGKILL ' +
      'after a grace period; an http call is aborted. Returns the run as it ended.',
    errors: { not_found: true, conflict: 'the run already ended (details.status)' },
    input: RunId,
    output: statedAs(Run, 'The run as cancelled.', 'bridge_run'),
    rest: { method: 'POST', path: '/api/bridge/cancel' },
    permission: 'control_plane:runs:write',
    run: (input, ctx) => cancelRun(ctx, input.runId),
  }),
  declare({
    id: 'bridge::list',
    title: 'List runtimes',
    description: 'List runtimes, newest first; with realmId, that realm\'s and the global ones. Secrets are redacted (to all but admins, every envVars, headers and args value but option names and ${env:NAME} references). Returns {runtimes, count, nextCursor}.',
    errors: { not_found: true },
    input: ListRuntimes,
    output: pageOf('runtimes', Runtime),
    rest: { method: 'GET', path: '/api/bridge/runtimes' },
    permission: 'control_plane:runtimes:read',
    run: (input, ctx) => listRuntimes(ctx, input),
  }),
  declare({
    id: 'bridge::run',
    title: 'Get run',
    description: 'Read a run: status, output (the final text for agent CLIs), error, exit code, signal, session, usage and cost.',
    errors: { not_found: true },
    input: RunId,
    output: Run,
    rest: { method: 'GET', path: '/api/bridge/runs/:runId' },
    permission: 'control_plane:runs:read',
    run: (input, ctx) => getRun(ctx, input.runId),
  }),
];
