import { Context, Effect, Layer } from "effect"
import { AppConfig, type GatewayConfig, type PriceConfig } from "../Config.ts"
import { defaultPrices, type Price } from "../domain/defaultPrices.ts"
import type { Usage } from "../domain/Usage.ts"

export type { Price } from "../domain/defaultPrices.ts"

const MEMO_LIMIT = 10_000

/**
 * Trailing snapshot/version markers: `-2024-08-06`, `-20241022`, `-09-2025`, `-05-20`, `-0709`, `-002`,
 * `-latest`, `-preview`. Each must match a whole trailing segment, so `gpt-4o-mini-foo` never becomes `gpt-4o`.
 */
const VERSION_SUFFIX = /(?:-\d{4}-\d{2}-\d{2}|-\d{8}|-\d{2}-\d{4}|-\d{2}-\d{2}|-\d{4}|-0\d{2}|-latest|-preview)$/

const baseName = (name: string): string => {
  let s = name.toLowerCase()
  const slash = s.lastIndexOf("/")
  if (slash >= 0) s = s.slice(slash + 1)
  const at = s.indexOf("@")
  if (at >= 0) s = s.slice(0, at)
  // `claude-3.5-sonnet` (OpenRouter) and `claude-3-5-sonnet` (Anthropic) name the same model; applied to
  // table keys and candidates alike, so `gpt-4.1` still only meets `gpt-4.1`.
  return s.replace(/(\d)\.(?=\d)/g, "$1-")
}

const stripVersions = (s: string): string => {
  for (;;) {
    const next = s.replace(VERSION_SUFFIX, "")
    if (next === s || next.length === 0) return s
    s = next
  }
}

/** The form both table keys and requested names are reduced to for the normalised lookup. */
export const canonicalModelName = (name: string): string => stripVersions(baseName(name))

interface PriceIndex {
  readonly exact: ReadonlyMap<string, Price>
  readonly canonical: ReadonlyMap<string, Price>
}

const indexPrices = (prices: Readonly<Record<string, Price>>): PriceIndex => {
  const exact = new Map<string, Price>()
  const canonical = new Map<string, { readonly price: Price; readonly rank: number }>()
  for (const [key, price] of Object.entries(prices)) {
    exact.set(key, price)
    const base = baseName(key)
    const canon = stripVersions(base)
    // When several keys share a canonical form (`gpt-4o`, `gpt-4o-2024-05-13`), the undated key stands
    // for the family, then a `-latest` alias, then the first dated one.
    const rank = canon === base ? 0 : base.endsWith("-latest") ? 1 : 2
    const current = canonical.get(canon)
    if (current === undefined || rank < current.rank) canonical.set(canon, { price, rank })
  }
  return { exact, canonical: new Map(Array.from(canonical, ([k, v]) => [k, v.price] as const)) }
}

const tableIndex = indexPrices(defaultPrices)

/** USD for one request at `price`. */
export const costOf = (price: Price, usage: Usage): number => {
  // Guards against upstreams reporting more cached than prompt tokens: never bill a negative uncached count.
  const cached = Math.min(Math.max(usage.cachedTokens, 0), usage.promptTokens)
  return (
    ((usage.promptTokens - cached) * price.inputPerMtok +
      cached * (price.cachedInputPerMtok ?? price.inputPerMtok) +
      usage.completionTokens * price.outputPerMtok) /
    1e6
  )
}

export interface PriceTable {
  /** Price for a model: config override first (exact name), then the built-in table. */
  readonly priceOf: (models: ReadonlyArray<string>) => Price | undefined
}

interface Resolved {
  readonly config: Price | undefined
  readonly table: Price | undefined
}

/**
 * Config overrides win over the table across all candidates (an operator pricing the public alias must not
 * lose to the table's price for the upstream name); within each source, candidates go in order, and each
 * name is tried exactly, then normalised.
 */
export const makePricing = (overrides: Readonly<Record<string, PriceConfig>>): PriceTable => {
  const config = indexPrices(overrides)
  const memo = new Map<string, Resolved>()

  const resolve = (name: string): Resolved => {
    const memoised = memo.get(name)
    if (memoised !== undefined) return memoised
    const canon = canonicalModelName(name)
    const resolved: Resolved = {
      config: config.exact.get(name) ?? config.canonical.get(canon),
      table: tableIndex.exact.get(name) ?? tableIndex.canonical.get(canon)
    }
    if (memo.size >= MEMO_LIMIT) memo.clear()
    memo.set(name, resolved)
    return resolved
  }

  const priceOf = (models: ReadonlyArray<string>): Price | undefined => {
    for (let i = 0; i < models.length; i++) {
      const price = resolve(models[i]!).config
      if (price !== undefined) return price
    }
    for (let i = 0; i < models.length; i++) {
      const price = resolve(models[i]!).table
      if (price !== undefined) return price
    }
    return undefined
  }

  return { priceOf }
}

export class Pricing extends Context.Service<Pricing, PriceTable & {
  /** Swaps in the price overrides of a new config at once. */
  readonly reload: (config: GatewayConfig) => void
}>()("sluice/services/Pricing") {
  static readonly layer: Layer.Layer<Pricing, never, AppConfig> = Layer.effect(
    Pricing,
    Effect.gen(function*() {
      let pricing = makePricing((yield* AppConfig).pricing)
      return Pricing.of({
        priceOf: (models) => pricing.priceOf(models),
        reload: (config) => {
          pricing = makePricing(config.pricing)
        }
      })
    })
  )
}
