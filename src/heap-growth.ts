import { setFlagsFromString } from 'node:v8';

/**
 * After a full collection V8 lets the old generation grow to 1.1-4x what survived before collecting again,
 * choosing the factor from how fast the program allocates. This server allocates fast (a 50-mission list is
 * ~60 KB of JSON made and dropped) and keeps little (~19 MiB live), so V8 chose a large factor and the
 * process sat at 160-195 MiB of mostly garbage while serving lists. A fixed 1.5x keeps it at 133-143 MiB,
 * flat, for 1-6% more CPU per call; 1.2x saved no more memory and cost 13% at 32 calls in flight; 2x let the
 * peak reach 153 (docs/performance.md, issue 12).
 */
export const HEAP_GROWING_PERCENT = 50;

/**
 * Sets the factor unless the operator chose one on node's command line (`node --heap-growing-percent=0
 * dist/cli.js` for V8's own choice; node refuses the flag in NODE_OPTIONS). V8 reads it each time it sets the
 * next limit, so setting it once the process runs takes effect from the next collection on. Returns whether
 * it set it.
 */
export function limitHeapGrowth(execArgv: readonly string[] = process.execArgv): boolean {
  if (execArgv.some((option) => /^--?heap[-_]growing[-_]percent(=|$)/.test(option))) return false;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}
