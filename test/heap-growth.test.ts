import { execFileSync } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { HEAP_GROWING_PERCENT, limitHeapGrowth } from '../src/heap-growth.js';

vi.mock('node:v8', () => ({ setFlagsFromString: vi.fn() }));
const set = vi.mocked(setFlagsFromString);

describe('the heap growth limit set at start-up', () => {
  beforeEach(() => set.mockClear());

  it("leaves an operator's own setting on node's command line alone, in every spelling node takes", () => {
    for (const given of [['--heap-growing-percent=0'], ['--max-old-space-size=512', '--heap_growing_percent=10'], ['-heap-growing-percent=0']]) {
      expect(limitHeapGrowth(given), given.join(' ')).toBe(false);
    }
    expect(set).not.toHaveBeenCalled();
  });

  it('sets it otherwise, whatever other options there are', () => {
    expect(limitHeapGrowth(['--enable-source-maps', '--max-semi-space-size=4', '--heap-growing-percentage-like'])).toBe(true);
    expect(limitHeapGrowth([])).toBe(true);
    expect(set.mock.calls).toEqual([[`--heap-growing-percent=${HEAP_GROWING_PERCENT}`], [`--heap-growing-percent=${HEAP_GROWING_PERCENT}`]]);
  });

  it('sets a flag this V8 knows (an unknown name is refused only on stderr, and changes nothing)', () => {
    limitHeapGrowth([]);
    const name = set.mock.calls[0]![0].split('=')[0]!;
    const options = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' });
    expect(options).toContain(`${name} (`);
  });
});
