import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { HEAP_GROWING_PERCENT, limitHeapGrowth } from '../src/heap-growth.js';

describe('the heap growth limit set at start-up', () => {
  it("leaves an operator's own setting on node's command line alone, in either spelling", () => {
    expect(limitHeapGrowth(['--heap-growing-percent=0'])).toBe(false);
    expect(limitHeapGrowth(['--max-old-space-size=512', '--heap_growing_percent=10'])).toBe(false);
  });

  it('sets it otherwise, whatever other options there are', () => {
    expect(limitHeapGrowth(['--enable-source-maps', '--max-semi-space-size=4'])).toBe(true);
    expect(limitHeapGrowth([])).toBe(true);
  });

  it('is a flag this V8 knows (a name it did not know would be ignored without a word)', () => {
    const options = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' });
    expect(options).toMatch(/--heap-growing-percent \(/);
    expect(HEAP_GROWING_PERCENT).toBeGreaterThan(0);
  });
});
