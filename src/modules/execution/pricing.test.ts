import { describe, expect, it } from 'vitest';
import { createUsageMeter, defaultModelPrices, estimateCost, priceOf, priceTableWith } from './pricing.ts';

describe('priceOf', () => {
  it('finds exact ids, dated and routed variants by the longest known prefix, and nothing for unknown models', () => {
    expect(priceOf(defaultModelPrices, 'gpt-4o')).toEqual({ input: 2.5, output: 10 });
    expect(priceOf(defaultModelPrices, 'gpt-4o-mini-2024-07-18')).toEqual({ input: 0.15, output: 0.6 });
    expect(priceOf(defaultModelPrices, 'claude-opus-4-5-20251101')).toEqual({ input: 5, output: 25 });
    expect(priceOf(defaultModelPrices, 'claude-opus-4-20250514')).toEqual({ input: 15, output: 75 });
    expect(priceOf(defaultModelPrices, 'openai/gpt-4.1-mini')).toEqual({ input: 0.4, output: 1.6 });
    expect(priceOf(defaultModelPrices, 'agentry-offline')).toEqual({ input: 0, output: 0 });
    expect(priceOf(defaultModelPrices, 'gpt-4oo')).toBeNull();
    expect(priceOf(defaultModelPrices, 'llama3.1')).toBeNull();
  });
});

describe('estimateCost', () => {
  it('prices input and output tokens per million, and is null for unknown models', () => {
    expect(
      estimateCost(defaultModelPrices, 'gpt-4o', { input_tokens: 1_000_000, output_tokens: 500_000 }),
    ).toBe(7.5);
    expect(estimateCost(defaultModelPrices, 'gpt-4o-mini', { input_tokens: 1_234, output_tokens: 56 })).toBe(
      0.0002187,
    );
    expect(estimateCost(defaultModelPrices, 'mystery', { input_tokens: 1, output_tokens: 1 })).toBeNull();
  });

  it('takes MODEL_PRICES over the built-in table', () => {
    const table = priceTableWith({ 'gpt-4o': { input: 1, output: 1 }, 'llama3.1': { input: 0, output: 0 } });
    expect(estimateCost(table, 'gpt-4o', { input_tokens: 1_000_000, output_tokens: 0 })).toBe(1);
    expect(estimateCost(table, 'llama3.1', { input_tokens: 10, output_tokens: 10 })).toBe(0);
  });
});

describe('createUsageMeter', () => {
  it('adds up calls, each priced by its own model', () => {
    const meter = createUsageMeter(defaultModelPrices);
    meter.add('gpt-4o', { input_tokens: 1_000_000, output_tokens: 0 });
    meter.add('gpt-4o-mini', { input_tokens: 1_000_000, output_tokens: 0 });
    expect(meter.usage()).toEqual({ input_tokens: 2_000_000, output_tokens: 0, total_tokens: 2_000_000 });
    expect(meter.cost()).toBe(2.65);
  });

  it('has no cost once one call’s model has no price', () => {
    const meter = createUsageMeter(defaultModelPrices);
    meter.add('gpt-4o', { input_tokens: 10, output_tokens: 10 });
    meter.add('mystery', { input_tokens: 10, output_tokens: 10 });
    meter.add('gpt-4o', { input_tokens: 10, output_tokens: 10 });
    expect(meter.cost()).toBeNull();
    expect(meter.usage().total_tokens).toBe(60);
  });
});
