import type { Clock } from '../../src/domain/clock.js';

/** A clock tests can move. */
export function fakeClock(start: string) {
  let now = new Date(start);
  const clock: Clock & { set(iso: string): void; advance(ms: number): void } = {
    now: () => new Date(now),
    set: (iso) => void (now = new Date(iso)),
    advance: (ms) => void (now = new Date(now.getTime() + ms)),
  };
  return clock;
}
