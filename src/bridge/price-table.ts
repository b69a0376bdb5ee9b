import type { PriceTable } from './prices.js';

/** When the built-in list prices were taken from the vendors' price lists. */
export const PRICES_TAKEN = '2026-11-25';

/**
 * Built-in list prices, USD per million tokens (input, output, cached input), for the current models of each
 * vendor and the older ones still in use. Keys are normalised model names (see normaliseModel) and match a
 * name exactly or as a prefix up to a "-" (so "gpt-5" prices "gpt-5-codex" but not "gpt-5.5").
 * Sources: the vendors' pricing pages, and the models.dev catalogue for models they no longer list.
 * Where a price depends on the prompt's length, the price for short prompts is given.
 */
export const defaultPrices: PriceTable = {
  // Anthropic
  'claude-fable-5-1': { input: 10, output: 50, cachedInput: 0.25 },
  'claude-fable-5': { input: 10, output: 50, cachedInput: 1 },
  'claude-mythos-5-1': { input: 10, output: 50, cachedInput: 0.25 },
  'claude-mythos-5': { input: 10, output: 50, cachedInput: 1 },
  'claude-opus-5-5': { input: 4, output: 20, cachedInput: 0.2 },
  'claude-opus-5': { input: 5, output: 25, cachedInput: 0.5 },
  'claude-opus-4-8': { input: 5, output: 25, cachedInput: 0.5 },
  'claude-opus-4-7': { input: 5, output: 25, cachedInput: 0.5 },
  'claude-opus-4-6': { input: 5, output: 25, cachedInput: 0.5 },
  'claude-opus-4-5': { input: 5, output: 25, cachedInput: 0.5 },
  'claude-opus-4-1': { input: 15, output: 75, cachedInput: 1.5 },
  'claude-opus-4': { input: 15, output: 75, cachedInput: 1.5 },
  'claude-3-opus': { input: 15, output: 75, cachedInput: 1.5 },
  'claude-sonnet-5-5': { input: 2, output: 10, cachedInput: 0.1 },
  'claude-sonnet-5': { input: 2, output: 10, cachedInput: 0.2 },
  'claude-sonnet-4-6': { input: 3, output: 15, cachedInput: 0.3 },
  'claude-sonnet-4-5': { input: 3, output: 15, cachedInput: 0.3 },
  'claude-sonnet-4': { input: 3, output: 15, cachedInput: 0.3 },
  'claude-3-7-sonnet': { input: 3, output: 15, cachedInput: 0.3 },
  'claude-3-5-sonnet': { input: 3, output: 15, cachedInput: 0.3 },
  'claude-haiku-5-5': { input: 0.1, output: 0.5, cachedInput: 0.01 },
  'claude-haiku-4-5': { input: 1, output: 5, cachedInput: 0.1 },
  'claude-3-5-haiku': { input: 0.8, output: 4, cachedInput: 0.08 },
  'claude-3-haiku': { input: 0.25, output: 1.25, cachedInput: 0.03 },
  // A model of a family newer than this table is priced as the family's current one (not at 0).
  'claude-opus': { input: 4, output: 20, cachedInput: 0.2 },
  'claude-sonnet': { input: 2, output: 10, cachedInput: 0.1 },
  'claude-haiku': { input: 0.1, output: 0.5, cachedInput: 0.01 },
  // Claude Code's aliases name the current model of each family.
  fable: { input: 10, output: 50, cachedInput: 0.25 },
  opus: { input: 4, output: 20, cachedInput: 0.2 },
  sonnet: { input: 2, output: 10, cachedInput: 0.1 },
  haiku: { input: 0.1, output: 0.5, cachedInput: 0.01 },
  // OpenAI
  'gpt-6.2-astra': { input: 8, output: 40, cachedInput: 0.4 },
  'gpt-6.2-sol': { input: 2, output: 10, cachedInput: 0.1 },
  'gpt-6.1-sol': { input: 2, output: 10, cachedInput: 0.1 },
  'gpt-6.1-terra': { input: 1, output: 5, cachedInput: 0.05 },
  'gpt-6-astra': { input: 10, output: 50, cachedInput: 1 },
  'gpt-6-sol': { input: 2, output: 10, cachedInput: 0.2 },
  'gpt-6-luna': { input: 0.1, output: 0.5, cachedInput: 0.01 },
  'gpt-5.6-sol': { input: 5, output: 30, cachedInput: 0.5 },
  'gpt-5.6': { input: 5, output: 30, cachedInput: 0.5 },
  'gpt-5.6-terra': { input: 2, output: 12, cachedInput: 0.2 },
  'gpt-5.6-luna': { input: 0.2, output: 1.2, cachedInput: 0.02 },
  'gpt-5.5-pro': { input: 30, output: 180 },
  'gpt-5.5': { input: 5, output: 30, cachedInput: 0.5 },
  'gpt-5.4-pro': { input: 30, output: 180 },
  'gpt-5.4-mini': { input: 0.75, output: 4.5, cachedInput: 0.075 },
  'gpt-5.4-nano': { input: 0.2, output: 1.25, cachedInput: 0.02 },
  'gpt-5.4': { input: 2.5, output: 15, cachedInput: 0.25 },
  'gpt-5.3-codex': { input: 1.75, output: 14, cachedInput: 0.175 },
  'gpt-5.2-pro': { input: 21, output: 168 },
  'gpt-5.2': { input: 1.75, output: 14, cachedInput: 0.175 },
  'gpt-5.1-codex-mini': { input: 0.25, output: 2, cachedInput: 0.025 },
  'gpt-5.1': { input: 1.25, output: 10, cachedInput: 0.125 },
  'gpt-5-pro': { input: 15, output: 120 },
  'gpt-5-mini': { input: 0.25, output: 2, cachedInput: 0.025 },
  'gpt-5-nano': { input: 0.05, output: 0.4, cachedInput: 0.005 },
  'gpt-5': { input: 1.25, output: 10, cachedInput: 0.125 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6, cachedInput: 0.1 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4, cachedInput: 0.025 },
  'gpt-4.1': { input: 2, output: 8, cachedInput: 0.5 },
  'o3-pro': { input: 20, output: 80 },
  o3: { input: 2, output: 8, cachedInput: 0.5 },
  'o4-mini': { input: 1.1, output: 4.4, cachedInput: 0.275 },
  // Google
  'gemini-3.5-flash': { input: 1.5, output: 9, cachedInput: 0.15 },
  'gemini-3.1-pro': { input: 2, output: 12, cachedInput: 0.2 },
  'gemini-3.1-flash-lite': { input: 0.25, output: 1.5, cachedInput: 0.025 },
  'gemini-3-pro': { input: 2, output: 12, cachedInput: 0.2 },
  'gemini-3-flash': { input: 0.5, output: 3, cachedInput: 0.05 },
  'gemini-2.5-pro': { input: 1.25, output: 10, cachedInput: 0.125 },
  'gemini-2.5-flash-lite': { input: 0.1, output: 0.4, cachedInput: 0.01 },
  'gemini-2.5-flash': { input: 0.3, output: 2.5, cachedInput: 0.03 },
  // xAI
  'grok-4.7': { input: 2, output: 6, cachedInput: 0.5 },
  'grok-4.6': { input: 2, output: 6, cachedInput: 0.5 },
  'grok-4.3': { input: 1.25, output: 2.5, cachedInput: 0.2 },
  'grok-code-fast-1': { input: 0.2, output: 1.5, cachedInput: 0.02 },
};
