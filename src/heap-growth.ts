import { setFlagsFromString } from 'node:v8';

/**
 * After a full collection V8 lets the old generation grow to 1.1-4x what survived before collecting again,
 * choosing the factor from how fast the program allocates. This server allocates fast (a 50-mission list is
 * ~60 KB of JSON made and dropped) and keeps little (~19 MiB live), so V8 chose a large factor and the
 * process sat at 170-190 MiB of mostly garbage while serving lists. A fixed factor of 1.2 keeps it at
 * 138-141 MiB, flat, with the CPU per call within the machine's noise (docs/performance.md, issue 12).
 */
export const HEAP_GROWING_PERCENT = 20;

/**
 * Sets the factor unless the operator chose one (on node's command line or in NODE_OPTIONS): theirs wins.
 * The flag is read by V8 each time it sets the next limit, so setting it once the process runs takes effect
 * from the next collection on. Returns whether it set it.
 */
export function limitHeapGrowth(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): boolean {
  if ([...execArgv, nodeOptions].some((option) => /heap[-_]growing[-_]percent/.test(option))) return false;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}
