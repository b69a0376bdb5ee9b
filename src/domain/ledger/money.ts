import type { Clock } from '../clock.js';

// Money is stored as integer ten-thousandths of a cent ("units"): agent CLIs report fractions such as $0.0425,
// and one small model call can cost 0.0049 cents. Inputs carry at most 4 decimals, so nothing is ever rounded
// away: a thousand calls of 0.0049 cents are exactly 4.9 cents.
export const UNITS_PER_CENT = 10_000;

/** Cents (at most 4 decimals, checked by the schema) to units. toFixed absorbs binary noise (1.2345 * 1e4 = 12344.999...). */
export const centsToUnits = (cents: number) => Math.round(Number((cents * UNITS_PER_CENT).toFixed(3)));
export const unitsToCents = (units: number) => units / UNITS_PER_CENT;

/** Whether the number, as JSON writes it, has at most `decimals` digits after the point (1e-7 has seven). */
export const hasAtMostDecimals = (value: number, decimals: number) => {
  const text = String(value);
  const exponent = /e([+-]\d+)$/.exec(text);
  const mantissa = exponent ? text.slice(0, exponent.index) : text;
  const fraction = mantissa.includes('.') ? mantissa.length - mantissa.indexOf('.') - 1 : 0;
  return fraction - (exponent ? Number(exponent[1]) : 0) <= decimals;
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
