// The PostgreSQL store's driver of units of work, on its own: the domain's generators resumed with what their
// steps' promises give, errors thrown back into them (so a unit's own try/catch sees them), values returned.
import { describe, expect, it } from 'vitest';
import { drive, isRetryable } from '../../src/db/pg/unit-of-work.js';
import type { Step } from '../../src/domain/store.js';

function* step<T>(value: Promise<T>): Step<T> {
  return (yield value) as T;
}

describe('drive', () => {
  it("resumes each step with its result, in order, and returns the unit's value", async () => {
    const seen: number[] = [];
    function* unit(): Step<number> {
      const a = yield* step(Promise.resolve(1));
      seen.push(a);
      const b = yield* step(new Promise<number>((resolve) => setTimeout(() => resolve(a + 1), 5)));
      seen.push(b);
      return a + b;
    }
    expect(await drive(unit())).toBe(3);
    expect(seen).toEqual([1, 2]);
  });

  it('throws a failed step into the unit, which may handle it or let it go', async () => {
    function* handles(): Step<string> {
      try {
        yield* step(Promise.reject(new Error('duplicate key')));
        return 'not reached';
      } catch (error) {
        return `handled ${(error as Error).message}`;
      }
    }
    expect(await drive(handles())).toBe('handled duplicate key');
    function* lets(): Step<void> {
      yield* step(Promise.reject(Object.assign(new Error('could not serialize access'), { code: '40001' })));
    }
    const error = await drive(lets()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: '40001' });
    expect(isRetryable(error)).toBe(true);
    expect(isRetryable(new Error('other'))).toBe(false);
    expect(isRetryable({ code: '40P01' })).toBe(true);
    // drizzle wraps the driver's error in a DrizzleQueryError whose cause carries the SQLSTATE.
    const wrapped = Object.assign(new Error('Failed query: insert ...'), { cause: Object.assign(new Error('could not serialize access'), { code: '40001' }) });
    expect(isRetryable(wrapped)).toBe(true);
    // A unique violation is a read-then-insert that lost its race to another instance: run again, it reads the row.
    expect(isRetryable(Object.assign(new Error('Failed query'), { cause: { code: '23505' } }))).toBe(true);
    expect(isRetryable(Object.assign(new Error('Failed query'), { cause: { code: '23503' } }))).toBe(false);
  });

  it('runs a unit that never yields (the SQLite shape) to its end', async () => {
    function* plain(): Step<string> {
      return 'done';
    }
    expect(await drive(plain())).toBe('done');
  });
});
