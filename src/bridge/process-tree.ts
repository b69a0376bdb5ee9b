import { readdirSync, readFileSync } from 'node:fs';

/**
 * Finding every process a run started. Its process group catches what stays in the group; the run's marker
 * (`CONTROL_PLANE_RUN_ID=<id>`, set in the environment of the process we spawn and inherited by everything
 * below it) catches what left the group with setsid, whose parent may be gone too. A descendant that clears
 * its environment and leaves the group escapes both; nothing short of a cgroup would catch it.
 */
export interface RunProcesses {
  /** The process group: the pid of the process we spawned. */
  pgid?: number;
  /** The exact `NAME=value` entry every descendant carries. */
  marker?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function statFields(pid: string): { state: string; pgrp: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: state!, pgrp: Number(pgrp) };
  } catch {
    return null; // it ended while we looked
  }
}

function carries(pid: string, marker: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(marker);
  } catch {
    return false; // ended, or not ours to read (another user's)
  }
}

/**
 * The live processes of a run (zombies excluded: they answer signals until someone reaps them, which in a
 * container may be never). This process is never one of them.
 */
export function runMembers(run: RunProcesses): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const members: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const stat = statFields(entry);
    if (!stat || stat.state === 'Z') continue;
    if ((run.pgid !== undefined && stat.pgrp === run.pgid) || (run.marker !== undefined && carries(entry, run.marker))) members.push(Number(entry));
  }
  return members;
}

/** Signals the group and every member; false when there was nothing to signal. */
export function signalRun(run: RunProcesses, signal: NodeJS.Signals, members = runMembers(run)): boolean {
  if (run.pgid !== undefined) {
    try {
      process.kill(-run.pgid, signal);
    } catch {
      // the group is gone
    }
  }
  for (const pid of members) {
    try {
      process.kill(pid, signal);
    } catch {
      // gone meanwhile
    }
  }
  return members.length > 0;
}

/**
 * Stops whatever is left of a run: SIGTERM, then SIGKILL for what is still there after `graceMs`. Resolves
 * with how many processes were found, once they are gone (or a last second after SIGKILL has passed).
 */
export async function sweepRun(run: RunProcesses, graceMs: number): Promise<number> {
  const found = runMembers(run);
  if (!found.length) return 0;
  signalRun(run, 'SIGTERM', found);
  const until = (deadline: number) => (async () => {
    while (Date.now() < deadline) {
      if (!runMembers(run).length) return true;
      await sleep(25);
    }
    return !runMembers(run).length;
  })();
  if (graceMs > 0 && (await until(Date.now() + graceMs))) return found.length;
  signalRun(run, 'SIGKILL');
  await until(Date.now() + 1000);
  return found.length;
}
