import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { fieldOf } from '../domain/validation.js';
import { StartupError } from '../startup-error.js';
import { defaultPrices } from './price-table.js';
import type { Usage } from './types.js';

/** USD per million tokens. */
export interface Price {
  input: number;
  output: number;
  cachedInput?: number;
}
export type PriceTable = Record<string, Price>;

export { defaultPrices, PRICES_TAKEN } from './price-table.js';

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

/**
 * A model name as the price table keys it: lower case, without provider or cloud prefixes ("anthropic/",
 * "us.anthropic.", "openai."), context, version and date suffixes ("[1m]", "@20250929", "-v1:0",
 * "-20251001", "-2025-04-14", "-latest"), and Claude's names in one order with dashed versions (Cursor's
 * "Claude 4.5 Sonnet" and "sonnet-4.5" are "claude-sonnet-4-5").
 */
export function normaliseModel(model: string): string {
  let name = model.trim().toLowerCase().replace(/\s+/g, '-');
  name = name.replace(/\[[^\]]*\]$/, '').replace(/@.*$/, '');
  name = name.slice(name.lastIndexOf('/') + 1);
  name = name.replace(/^(?:(?:us|eu|apac|global|jp|au)\.)?(?:anthropic|openai|google|xai)\./, '');
  name = name.replace(/-v\d+(?::\d+)?$/, '').replace(/-(?:\d{8}|\d{4}-\d{2}-\d{2})$/, '').replace(/-latest$/, '');
  if (!/claude|opus|sonnet|haiku|fable|mythos/.test(name)) return name;
  name = name.replace(/(\d)\.(\d)/g, '$1-$2');
  // "claude-4-5-sonnet" (a display name) is "claude-sonnet-4-5"; Claude 3 ids really are "claude-3-5-sonnet".
  const versionFirst = /^(?:claude-)?((\d+)(?:-\d+)?)-(opus|sonnet|haiku)(.*)$/.exec(name);
  if (versionFirst && Number(versionFirst[2]) >= 4) return `claude-${versionFirst[3]}-${versionFirst[1]}${versionFirst[4]}`;
  return /^(opus|sonnet|haiku|fable|mythos)-\d/.test(name) ? `claude-${name}` : name;
}

/** The table's entry for a model: the longest key equal to its normalised name or a prefix of it up to a "-". */
export function priceOf(table: PriceTable, model: string): Price | null {
  const name = normaliseModel(model);
  let best: { key: string; price: Price } | null = null;
  for (const [key, price] of Object.entries(table)) {
    const k = normaliseModel(key);
    if ((name === k || name.startsWith(`${k}-`)) && (!best || k.length > best.key.length)) best = { key: k, price };
  }
  return best?.price ?? null;
}

/** The cost in cents of the tokens, or null for a model the table does not know. */
export function priceCents(table: PriceTable, model: string | null, usage: Usage): number | null {
  if (!model) return null;
  const p = priceOf(table, model);
  if (!p) return null;
  const usd = (usage.inputTokens * p.input + usage.outputTokens * p.output + usage.cachedInputTokens * (p.cachedInput ?? p.input)) / 1e6;
  return usd * 100;
}
