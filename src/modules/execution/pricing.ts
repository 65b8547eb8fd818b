import { OFFLINE_MODEL_ID } from '../../platform/llm/offline-model.ts';

/** USD per million tokens. */
export interface ModelPrice {
  input: number;
  output: number;
}

export type PriceTable = Record<string, ModelPrice>;

/**
 * List prices of well-known models (USD per million input/output tokens, as published by OpenAI
 * and Anthropic in 2025). They are estimates: cached tokens, batch discounts and price changes are
 * not reflected. `MODEL_PRICES` overrides or extends them per deployment.
 */
export const defaultModelPrices: PriceTable = {
  [OFFLINE_MODEL_ID]: { input: 0, output: 0 },
  'gpt-5': { input: 1.25, output: 10 },
  'gpt-5-mini': { input: 0.25, output: 2 },
  'gpt-5-nano': { input: 0.05, output: 0.4 },
  'gpt-4.1': { input: 2, output: 8 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4 },
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'gpt-4-turbo': { input: 10, output: 30 },
  'gpt-4': { input: 30, output: 60 },
  'gpt-3.5-turbo': { input: 0.5, output: 1.5 },
  o1: { input: 15, output: 60 },
  'o1-mini': { input: 1.1, output: 4.4 },
  o3: { input: 2, output: 8 },
  'o3-mini': { input: 1.1, output: 4.4 },
  'o4-mini': { input: 1.1, output: 4.4 },
  'claude-opus-4-5': { input: 5, output: 25 },
  'claude-opus-4-1': { input: 15, output: 75 },
  'claude-opus-4': { input: 15, output: 75 },
  'claude-sonnet-4-5': { input: 3, output: 15 },
  'claude-sonnet-4': { input: 3, output: 15 },
  'claude-haiku-4-5': { input: 1, output: 5 },
  'claude-3-7-sonnet': { input: 3, output: 15 },
  'claude-3-5-sonnet': { input: 3, output: 15 },
  'claude-3-5-haiku': { input: 0.8, output: 4 },
  'claude-3-opus': { input: 15, output: 75 },
  'claude-3-haiku': { input: 0.25, output: 1.25 },
};

/**
 * The price of a model id: an exact entry, else the longest entry the id extends with a dash
 * (`gpt-4o-mini-2024-07-18` is priced as `gpt-4o-mini`). A routing prefix (`openai/gpt-4o`) is
 * ignored. Unknown models have no price.
 */
export function priceOf(table: PriceTable, modelId: string): ModelPrice | null {
  let known = pricesFound.get(table);
  if (!known) {
    known = new Map();
    pricesFound.set(table, known);
  }
  let price = known.get(modelId);
  if (price === undefined) {
    price = lookUpPrice(table, modelId);
    // Model ids come from configuration, a handful per deployment: the memo stays small.
    if (known.size < 1_000) known.set(modelId, price);
  }
  return price;
}

/** Prices already found, per table: a turn prices every model call it makes. */
const pricesFound = new WeakMap<PriceTable, Map<string, ModelPrice | null>>();

function lookUpPrice(table: PriceTable, modelId: string): ModelPrice | null {
  const exact = table[modelId];
  if (exact) return exact;
  const name = modelId.slice(modelId.lastIndexOf('/') + 1);
  let best: { key: string; price: ModelPrice } | null = null;
  for (const [key, price] of Object.entries(table)) {
    if ((name === key || name.startsWith(`${key}-`)) && (!best || key.length > best.key.length)) {
      best = { key, price };
    }
  }
  return best?.price ?? null;
}

/** Cost in USD (rounded to 8 decimals), or null when the model has no known price. */
export function estimateCost(
  table: PriceTable,
  modelId: string,
  usage: { input_tokens: number; output_tokens: number },
): number | null {
  const price = priceOf(table, modelId);
  if (!price) return null;
  const cost = (usage.input_tokens * price.input + usage.output_tokens * price.output) / 1_000_000;
  return Math.round(cost * 1e8) / 1e8;
}

/** The built-in table with the deployment's `MODEL_PRICES` entries on top. */
export const priceTableWith = (overrides: PriceTable): PriceTable => ({
  ...defaultModelPrices,
  ...overrides,
});

/**
 * Adds up a run's token usage and cost across its model calls, each priced by the model that
 * answered it. The cost is null as soon as one call's model has no known price: a partial sum
 * would understate it.
 */
export function createUsageMeter(table: PriceTable) {
  const usage = { input_tokens: 0, output_tokens: 0, total_tokens: 0 };
  let cost: number | null = 0;
  return {
    add(modelId: string, tokens: { input_tokens: number; output_tokens: number }) {
      usage.input_tokens += tokens.input_tokens;
      usage.output_tokens += tokens.output_tokens;
      usage.total_tokens = usage.input_tokens + usage.output_tokens;
      const callCost = estimateCost(table, modelId, tokens);
      cost = cost === null || callCost === null ? null : Math.round((cost + callCost) * 1e8) / 1e8;
    },
    usage: () => ({ ...usage }),
    cost: () => cost,
  };
}

export type UsageMeter = ReturnType<typeof createUsageMeter>;
