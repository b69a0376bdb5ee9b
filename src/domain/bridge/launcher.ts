import type { Run, Runtime } from './model.js';

/** What a run needs beyond its record. */
export interface RunPlan {
  runtime: Runtime;
  context: Record<string, unknown>;
  prompt: string | null;
  model: string | null;
  timeoutMs: number;
  /** The realm's per-run cost ceiling: a run whose reported spend passes it is stopped (null: none). */
  costCeilingCents: number | null;
}

/**
 * The port through which the domain has runs executed: the bridge edge implements it (processes, HTTP),
 * so the domain never touches a process.
 */
export interface RunLauncher {
  /** This process's instance id: the owner recorded on runs it starts. */
  instanceId: string;
  /** Executes a committed run; resolves with the finished run. */
  launch(run: Run, plan: RunPlan): Promise<Run>;
  /** Stops a running run, whichever process owns it; resolves once it has stopped (or the wait is over). */
  stop(run: Run): Promise<Run>;
  workDirExists(path: string): boolean;
  /** Why this server could not run a runtime as configured (a CLI refusing a setting as this user), or null. */
  refusal(runtime: Runtime): { field: string; message: string } | null;
}
