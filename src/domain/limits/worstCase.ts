import type { Price } from "../defaultPrices.ts"

/** Reserved for a request that sets no output limit, when its model's price names none. */
export const defaultOutputLimit = 16_384

/** A request's own output limit, else its model's, else `defaultOutputLimit`. */
const outputLimit = (price: Price | undefined, maxTokens: number) => maxTokens || price?.maxOutputTokens || defaultOutputLimit

/**
 * The most a request can cost or use across the prices of the targets it may reach (undefined: an unpriced target):
 * every prompt token at the full input price and the whole output limit at the output price.
 */
export const worstCase = (
  prices: ReadonlyArray<Price | undefined>,
  request: { readonly promptTokens: number; readonly maxTokens: number; readonly generates: boolean }
): { readonly usd: number; readonly tokens: number } => {
  let usd = 0
  let tokens = request.promptTokens
  for (const price of prices) {
    const output = request.generates ? outputLimit(price, request.maxTokens) : 0
    tokens = Math.max(tokens, request.promptTokens + output)
    if (price !== undefined) usd = Math.max(usd, (request.promptTokens * price.inputPerMtok + output * price.outputPerMtok) / 1e6)
  }
  return { usd, tokens }
}
