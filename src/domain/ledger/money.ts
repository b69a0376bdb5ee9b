import type { Clock } from '../clock.js';

// Money is stored as integer hundredths of a cent ("units"): agent CLIs report fractions such as $0.0425.
export const UNITS_PER_CENT = 100;

/** Cents (up to 4 decimals) to units, rounded half up. toFixed absorbs binary noise (4.245 * 100 = 424.4999...). */
export const centsToUnits = (cents: number) => Math.round(Number((cents * UNITS_PER_CENT).toFixed(6)));
export const unitsToCents = (units: number) => units / UNITS_PER_CENT;

export const hasAtMostDecimals = (value: number, decimals: number) => {
  const scaled = value * 10 ** decimals;
  return Math.abs(scaled - Math.round(scaled)) < 1e-6;
};

/** The budget period: the current calendar month in UTC. It rolls over by itself. */
export interface Period {
  key: string;
  start: string;
  end: string;
}

export function periodAt(date: Date): Period {
  const start = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1));
  const end = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1));
  return { key: start.toISOString().slice(0, 7), start: start.toISOString(), end: end.toISOString() };
}

export const currentPeriod = (clock: Clock) => periodAt(clock.now());
