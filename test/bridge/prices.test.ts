// Model names as the CLIs report them, priced from the built-in table.
import { describe, expect, it } from 'vitest';
import { defaultPrices, normaliseModel, priceCents, priceOf } from '../../src/bridge/prices.js';

describe('model names', () => {
  it.each([
    ['claude-opus-5-5[1m]', 'claude-opus-5-5'],
    ['claude-haiku-4-5-20251001', 'claude-haiku-4-5'],
    ['anthropic/claude-sonnet-4.5', 'claude-sonnet-4-5'],
    ['global.anthropic.claude-opus-4-8', 'claude-opus-4-8'],
    ['anthropic.claude-3-5-sonnet-20241022-v2:0', 'claude-3-5-sonnet'],
    ['claude-sonnet-4-5@20250929', 'claude-sonnet-4-5'],
    ['Claude 4.5 Sonnet', 'claude-sonnet-4-5'],
    ['sonnet-4.5', 'claude-sonnet-4-5'],
    ['openai/gpt-5.5', 'gpt-5.5'],
    ['gpt-4.1-2025-04-14', 'gpt-4.1'],
    ['GPT-6.1-Sol', 'gpt-6.1-sol'],
  ])('%s is priced as %s', (reported, key) => {
    expect(normaliseModel(reported)).toBe(key);
    expect(priceOf(defaultPrices, reported)).toBe(defaultPrices[key]);
  });

  it('matches a key only up to a "-", the longest first', () => {
    expect(priceOf(defaultPrices, 'gpt-5-codex')).toBe(defaultPrices['gpt-5']);
    expect(priceOf(defaultPrices, 'gpt-5.1-codex-mini')).toBe(defaultPrices['gpt-5.1-codex-mini']);
    expect(priceOf(defaultPrices, 'gpt-6.1-sol')).not.toBe(defaultPrices['gpt-6-sol']);
    // "gpt-5" is not a prefix of "gpt-5.9": an unknown version is not priced as another one.
    expect(priceOf(defaultPrices, 'gpt-5.9')).toBeNull();
    // A Claude model newer than the table is priced as its family's current model, not at 0.
    expect(priceOf(defaultPrices, 'claude-opus-7')).toBe(defaultPrices['claude-opus']);
  });

  it('prices the current models of each vendor, cached input at its own price', () => {
    const usage = { inputTokens: 1_000_000, outputTokens: 1_000_000, cachedInputTokens: 1_000_000 };
    // Codex's default (what its rollout names), Claude Code's default, and Cursor's display name of Sonnet 4.5.
    expect(priceCents(defaultPrices, 'gpt-6.1-sol', usage)).toBeCloseTo((2 + 10 + 0.1) * 100, 6);
    expect(priceCents(defaultPrices, 'claude-opus-5-5[1m]', usage)).toBeCloseTo((4 + 20 + 0.2) * 100, 6);
    expect(priceCents(defaultPrices, 'Claude 4.5 Sonnet', usage)).toBeCloseTo((3 + 15 + 0.3) * 100, 6);
    expect(priceCents(defaultPrices, 'auto', usage)).toBeNull();
  });
});
