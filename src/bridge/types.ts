import type { Run, Runtime } from '../domain/bridge/model.js';

export type Usage = NonNullable<Run['usage']>;

/** What an adapter is asked to do. */
export interface RunRequest {
  runId: string;
  realmId: string | null;
  agentId: string;
  missionId: string | null;
  runtime: Runtime;
  context: Record<string, unknown>;
  prompt: string | null;
  model: string | null;
  /** The CLI session to resume, if any. */
  sessionId: string | null;
  /** The cumulative usage last seen for that session (Codex reports totals per thread). */
  previousUsage: Usage | null;
  timeoutMs: number;
  graceMs: number;
  signal: AbortSignal;
  /** The run's whole environment: see runEnvironment. */
  env: Record<string, string>;
  /** The runtime's headers, references resolved (http runtimes). */
  headers: Record<string, string>;
  /** The `NAME=value` entry of `env` that every process of this run inherits (how its leftovers are found). */
  marker: string;
  /** How to start this server for an agent that should work on the control plane (claude_code). */
  controlPlane: ControlPlaneCommand | null;
  onSpawn(pid: number, processStart: string | null): void;
  /** Output as it arrives, for callers that stream it (logs, progress). */
  onOutput?(stream: 'stdout' | 'stderr', text: string): void;
  /** The run's spend so far, each time an adapter learns more of it while the run goes (the cost ceiling). */
  onSpend?(spend: Spend): void;
}

/** What a run has spent so far, cumulative: the CLI's own cost when it says one, else its tokens (priced by the table). */
export interface Spend {
  costUsd: number | null;
  usage: Usage | null;
  model: string | null;
}

export type RunStatus = 'completed' | 'failed' | 'timed_out' | 'cancelled';

export interface RunOutcome {
  status: RunStatus;
  exitCode: number | null;
  signal: string | null;
  output: string | null;
  outputTruncated: boolean;
  error: string | null;
  stderrTruncated: boolean;
  sessionId: string | null;
  /** This run's usage (for Codex: the delta from the previous snapshot), and the cumulative snapshot to keep. */
  usage: Usage | null;
  usageSnapshot: Usage | null;
  costUsd: number | null;
  provider: string | null;
  model: string | null;
  /** The CLI said the session it was asked to resume does not exist. */
  unknownSession: boolean;
  /** Tool calls the CLI refused for lack of permission (Claude Code reports them). */
  permissionDenials: PermissionDenial[] | null;
  /** How many processes the run left behind when its command ended (all stopped). */
  leftovers: number;
}

export interface PermissionDenial {
  tool: string;
  input: unknown;
}

export interface Adapter {
  execute(request: RunRequest): Promise<RunOutcome>;
  /** Why this runtime could not run as configured, as this server's user with `env` (checked at bridge_register). */
  refusal?(runtime: Runtime, env: Record<string, string>): { field: string; message: string } | null;
}

/**
 * How a spawned agent reaches this server: the command (run as that agent: `--role agent --realm --agent` are
 * added per run), and the tools the agent role is served, which are the only ones the agent CLI is allowed.
 */
export interface ControlPlaneCommand {
  command: string;
  args: string[];
  /**
   * What the server needs in its environment to find the database (DATABASE_URL on PostgreSQL): handed to the
   * agent CLI by environment, never on a command line, where any local user could read it.
   */
  env?: Record<string, string>;
  agentTools: string[];
}
