import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { fieldOf } from '../domain/validation.js';
import { StartupError } from '../startup-error.js';
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

const PriceFile = z.record(
  z.string().min(1),
  z.strictObject({ input: z.number().nonnegative(), output: z.number().nonnegative(), cachedInput: z.number().nonnegative().optional() }),
);

/** The built-in prices with a file's on top. `source` names where the file came from in the error a bad one gets. */
export function loadPrices(file: string | undefined, source = '--prices'): PriceTable {
  if (!file) return defaultPrices;
  const problem = (what: string, cause?: unknown) =>
    new StartupError(`${source} ${file}: ${what}; it must be a JSON object like {"claude-sonnet": {"input": 3, "output": 15, "cachedInput": 0.3}} (USD per million tokens)`, { cause });
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw problem(`cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, error);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw problem(`not valid JSON (${(error as Error).message})`, error);
  }
  const parsed = PriceFile.safeParse(json);
  if (!parsed.success) throw problem(parsed.error.issues.slice(0, 3).map((i) => `${fieldOf(i.path) || 'the file'}: ${i.message.replace(/^Invalid input: /, '')}`).join('; '));
  return { ...defaultPrices, ...parsed.data };
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
