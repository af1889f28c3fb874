import type { Usage } from '../usage/usage.js';

/**
 * Money is counted in integer micro-dollars (1 USD = 1,000,000), so that adding millions of
 * small costs never drifts as floating-point dollars would.
 */
export const MICROS_PER_USD = 1_000_000;

export const usdToMicros = (usd: number): number => Math.round(usd * MICROS_PER_USD);
export const microsToUsd = (micros: number): number => micros / MICROS_PER_USD;

/**
 * A USD amount stated by a provider (a float) in micro-dollars, rounded up: never under-charged.
 * The product is first rounded to 6 decimals, so that 0.000612 (611.9999999999999 micro-dollars
 * in floating point) is 612, not 613.
 */
export const usdToMicrosUp = (usd: number): number => Math.ceil(Number((usd * MICROS_PER_USD).toFixed(6)));

/**
 * A price in integer micro-dollars per 1M tokens (USD 2.50 per 1M -> 2,500,000). Prices with
 * more than 6 decimals are rounded to the micro-dollar per 1M tokens, a millionth of a cent per token.
 */
export interface PriceMicros {
  input: number;
  output: number;
  cachedInput: number;
  cacheWrite: number;
}

export function toPriceMicros(price: { input: number; output: number; cachedInput?: number; cacheWrite?: number }): PriceMicros {
  return {
    input: usdToMicros(price.input),
    output: usdToMicros(price.output),
    cachedInput: usdToMicros(price.cachedInput ?? price.input),
    cacheWrite: usdToMicros(price.cacheWrite ?? price.input),
  };
}

/**
 * Cost of a call in micro-dollars: tokens x (micro-dollars per 1M tokens) / 1M, rounded up once
 * per call so a budget is never under-charged. Input tokens include cache reads and writes,
 * which are priced at their own rates; output includes reasoning, priced as output.
 */
export function costMicros(usage: Pick<Usage, 'inputTokens' | 'outputTokens' | 'cacheReadTokens' | 'cacheWriteTokens'>, price: PriceMicros): number {
  const plainInput = Math.max(0, usage.inputTokens - usage.cacheReadTokens - usage.cacheWriteTokens);
  const scaled =
    plainInput * price.input +
    usage.cacheReadTokens * price.cachedInput +
    usage.cacheWriteTokens * price.cacheWrite +
    usage.outputTokens * price.output;
  return Math.ceil(scaled / MICROS_PER_USD);
}

/**
 * The most a call can cost before it is made: every input token at the dearest input rate
 * (a cache write can cost more than plain input), every possible output token at the output rate.
 */
export function worstCaseCostMicros(inputTokens: number, outputTokens: number, price: PriceMicros): number {
  const input = Math.max(price.input, price.cachedInput, price.cacheWrite);
  return Math.ceil((inputTokens * input + outputTokens * price.output) / MICROS_PER_USD);
}

/** The cost of each part of a call's usage in USD, exact: the parts `costMicros` rounds up once as a whole. */
export function costBreakdown(
  usage: Pick<Usage, 'inputTokens' | 'outputTokens' | 'cacheReadTokens' | 'cacheWriteTokens'>,
  price: PriceMicros,
): { input: number; output: number; cacheRead: number; cacheWrite: number } {
  // Price micro-dollars per 1M tokens x tokens = pico-dollars: / 1e12 for USD.
  const usd = (tokens: number, micros: number) => (tokens * micros) / 1e12;
  return {
    input: usd(Math.max(0, usage.inputTokens - usage.cacheReadTokens - usage.cacheWriteTokens), price.input),
    output: usd(usage.outputTokens, price.output),
    cacheRead: usd(usage.cacheReadTokens, price.cachedInput),
    cacheWrite: usd(usage.cacheWriteTokens, price.cacheWrite),
  };
}
