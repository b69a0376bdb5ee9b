import { readFileSync } from 'node:fs';
import type { Usage } from './types.js';

/** USD per million tokens. */
export interface Price {
  input: number;
  output: number;
  cachedInput?: number;
}
export type PriceTable = Record<string, Price>;

// Built-in list prices, matched by the longest model-name prefix. Override with --prices FILE or
// CONTROL_PLANE_PRICES (a JSON object of the same shape); unknown models cost nothing and are logged.
export const defaultPrices: PriceTable = {
  'claude-opus': { input: 15, output: 75, cachedInput: 1.5 },
  'claude-sonnet': { input: 3, output: 15, cachedInput: 0.3 },
  'claude-haiku': { input: 1, output: 5, cachedInput: 0.1 },
  opus: { input: 15, output: 75, cachedInput: 1.5 },
  sonnet: { input: 3, output: 15, cachedInput: 0.3 },
  haiku: { input: 1, output: 5, cachedInput: 0.1 },
  'gpt-5-mini': { input: 0.25, output: 2, cachedInput: 0.025 },
  'gpt-5-nano': { input: 0.05, output: 0.4, cachedInput: 0.005 },
  'gpt-5': { input: 1.25, output: 10, cachedInput: 0.125 },
  'gpt-4.1': { input: 2, output: 8, cachedInput: 0.5 },
  o3: { input: 2, output: 8, cachedInput: 0.5 },
  'o4-mini': { input: 1.1, output: 4.4, cachedInput: 0.275 },
};

export function loadPrices(file: string | undefined): PriceTable {
  if (!file) return defaultPrices;
  return { ...defaultPrices, ...(JSON.parse(readFileSync(file, 'utf8')) as PriceTable) };
}

/** The cost in cents of the tokens, or null for a model the table does not know. */
export function priceCents(table: PriceTable, model: string | null, usage: Usage): number | null {
  if (!model) return null;
  const name = model.toLowerCase().replace(/^[a-z0-9-]+\//, '');
  const key = Object.keys(table)
    .filter((k) => name.startsWith(k.toLowerCase()))
    .sort((a, b) => b.length - a.length)[0];
  if (!key) return null;
  const p = table[key]!;
  const usd = (usage.inputTokens * p.input + usage.outputTokens * p.output + usage.cachedInputTokens * (p.cachedInput ?? p.input)) / 1e6;
  return usd * 100;
}
