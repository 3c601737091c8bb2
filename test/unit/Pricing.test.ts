import { describe, expect, test } from "bun:test"
import { Effect, Layer } from "effect"
import { AppConfig, type GatewayConfig, type PriceConfig } from "../../src/Config.ts"
import { defaultPrices } from "../../src/domain/defaultPrices.ts"
import type { Usage } from "../../src/domain/Usage.ts"
import { canonicalModelName, costOf, Pricing } from "../../src/services/Pricing.ts"
import { testConfig } from "./testConfig.ts"

const makeConfig = (pricing: Record<string, PriceConfig>): GatewayConfig => testConfig({ pricing })

const pricingWith = (pricing: Record<string, PriceConfig> = {}): Pricing["Service"] =>
  Effect.runSync(
    Effect.provide(
      Effect.gen(function*() {
        return yield* Pricing
      }),
      Pricing.layer.pipe(Layer.provide(Layer.succeed(AppConfig, makeConfig(pricing))))
    )
  )

/** What the Gateway records: the cost at the first price found, or null (flagged unpriced), never 0. */
const costFor = (pricing: Pricing["Service"], models: ReadonlyArray<string>, used: Usage): number | null => {
  const price = pricing.priceOf(models)
  return price === undefined ? null : costOf(price, used)
}

const usage = (promptTokens: number, completionTokens: number, cachedTokens = 0): Usage => ({
  promptTokens,
  completionTokens,
  cachedTokens,
  source: "reported"
})

describe("defaultPrices", () => {
  test("every entry is a finite, non-negative price", () => {
    for (const [model, price] of Object.entries(defaultPrices)) {
      for (const value of [price.inputPerMtok, price.outputPerMtok, price.cachedInputPerMtok ?? 0]) {
        expect(Number.isFinite(value), model).toBe(true)
        expect(value >= 0, model).toBe(true)
      }
    }
  })

  test("every table key resolves to its own entry", () => {
    const pricing = pricingWith()
    for (const [model, price] of Object.entries(defaultPrices)) {
      expect(pricing.priceOf([model])).toBe(price)
    }
  })
})

describe("Pricing.priceOf", () => {
  const pricing = pricingWith()

  test("exact names", () => {
    expect(pricing.priceOf(["gpt-4o"])).toEqual({ inputPerMtok: 2.5, outputPerMtok: 10, cachedInputPerMtok: 1.25 })
    expect(pricing.priceOf(["gpt-4o-mini"])).toBe(defaultPrices["gpt-4o-mini"])
    expect(pricing.priceOf(["mock-gpt"])).toEqual({ inputPerMtok: 0.5, outputPerMtok: 1.5 })
  })

  test("provider prefixes are stripped", () => {
    expect(pricing.priceOf(["openai/gpt-4o"])).toBe(defaultPrices["gpt-4o"])
    expect(pricing.priceOf(["together/meta-llama/Llama-3.3-70B-Instruct-Turbo"])).toBe(
      defaultPrices["meta-llama/Llama-3.3-70B-Instruct-Turbo"]
    )
  })

  test("date and version suffixes are stripped", () => {
    expect(pricing.priceOf(["gpt-4o-2024-08-06"])).toBe(defaultPrices["gpt-4o"])
    expect(pricing.priceOf(["gpt-4o-mini-2024-07-18"])).toBe(defaultPrices["gpt-4o-mini"])
    expect(pricing.priceOf(["claude-3-5-sonnet-20241022"])).toBe(defaultPrices["claude-3-5-sonnet"])
    expect(pricing.priceOf(["claude-sonnet-4-5@20250929"])).toBe(defaultPrices["claude-sonnet-4-5"])
    expect(pricing.priceOf(["claude-3-7-sonnet-latest"])).toBe(defaultPrices["claude-3-7-sonnet"])
    expect(pricing.priceOf(["anthropic/claude-opus-4-1-20250805"])).toBe(defaultPrices["claude-opus-4-1"])
    expect(pricing.priceOf(["gemini-2.5-flash-preview-05-20"])).toBe(defaultPrices["gemini-2.5-flash"])
    expect(pricing.priceOf(["gemini-1.5-pro-002"])).toBe(defaultPrices["gemini-1.5-pro"])
    expect(pricing.priceOf(["kimi-k2-0905-preview"])).toBe(defaultPrices["kimi-k2"])
    expect(pricing.priceOf(["grok-4-0709"])).toBe(defaultPrices["grok-4"])
    expect(pricing.priceOf(["mistral-small-2506"])).toBe(defaultPrices["mistral-small-latest"])
  })

  test("case and dotted versions are normalised", () => {
    expect(pricing.priceOf(["GPT-4o"])).toBe(defaultPrices["gpt-4o"])
    expect(pricing.priceOf(["openrouter/anthropic/claude-3.5-sonnet"])).toBe(defaultPrices["claude-3-5-sonnet"])
    expect(pricing.priceOf(["gpt-4.1-2025-04-14"])).toBe(defaultPrices["gpt-4.1"])
  })

  test("an undated key beats a dated one that normalises to the same name", () => {
    expect(pricing.priceOf(["gpt-4o-2024-05-13"])).toBe(defaultPrices["gpt-4o-2024-05-13"])
    expect(pricing.priceOf(["gpt-4o-2024-11-20"])).toBe(defaultPrices["gpt-4o"])
    expect(pricing.priceOf(["mistral-large-2512"])).toBe(defaultPrices["mistral-large-latest"])
  })

  test("no loose prefix matching", () => {
    expect(pricing.priceOf(["gpt-4o-mini-foo"])).toBeUndefined()
    expect(pricing.priceOf(["gpt-4o-foo"])).toBeUndefined()
    expect(pricing.priceOf(["o1-mini-2024-09-12"])).toBeUndefined()
    expect(pricing.priceOf(["gpt-4o-realtime-preview-2024-12-17"])).toBeUndefined()
    expect(pricing.priceOf(["claude-3-5-sonnet-v9"])).toBeUndefined()
  })

  test("unknown models are undefined", () => {
    expect(pricing.priceOf(["definitely-not-a-model"])).toBeUndefined()
    expect(pricing.priceOf([])).toBeUndefined()
    expect(pricing.priceOf(["constructor", "__proto__", "toString"])).toBeUndefined()
  })

  test("candidates are tried in order", () => {
    expect(pricing.priceOf(["unknown", "gpt-4o-mini", "gpt-4o"])).toBe(defaultPrices["gpt-4o-mini"])
    expect(pricing.priceOf(["gpt-4o", "gpt-4o-mini"])).toBe(defaultPrices["gpt-4o"])
  })

  test("repeated lookups return the memoised result", () => {
    const first = pricing.priceOf(["openai/gpt-4o-2024-08-06"])
    expect(pricing.priceOf(["openai/gpt-4o-2024-08-06"])).toBe(first!)
  })

  test("the memo stays correct past its bound", () => {
    const fresh = pricingWith()
    for (let i = 0; i < 10_050; i++) fresh.priceOf([`unknown-${i}`])
    expect(fresh.priceOf(["gpt-4o"])).toBe(defaultPrices["gpt-4o"])
    expect(fresh.priceOf(["unknown-1"])).toBeUndefined()
  })
})

describe("config overrides", () => {
  const override: PriceConfig = { inputPerMtok: 1, outputPerMtok: 2, cachedInputPerMtok: undefined, maxOutputTokens: undefined }
  const custom: PriceConfig = { inputPerMtok: 7, outputPerMtok: 9, cachedInputPerMtok: 3, maxOutputTokens: undefined }
  const pricing = pricingWith({ "gpt-4o": override, "my-model": custom })

  test("config beats the table for the exact name", () => {
    expect(pricing.priceOf(["gpt-4o"])).toBe(override)
  })

  test("config beats the table for normalised names too", () => {
    expect(pricing.priceOf(["openai/gpt-4o-2024-08-06"])).toBe(override)
  })

  test("other models still use the table", () => {
    expect(pricing.priceOf(["gpt-4o-mini"])).toBe(defaultPrices["gpt-4o-mini"])
  })

  test("config-only models are priced", () => {
    expect(pricing.priceOf(["my-model"])).toBe(custom)
    expect(costFor(pricing, ["my-model"], usage(1_000_000, 1_000_000, 500_000))).toBeCloseTo(0.5 * 7 + 0.5 * 3 + 9, 10)
  })

  test("a config price on any candidate beats the table price of an earlier candidate", () => {
    expect(pricing.priceOf(["gpt-4o-mini", "my-model"])).toBe(custom)
  })

  test("an override without a cached price bills cached tokens as input", () => {
    expect(costFor(pricing, ["gpt-4o"], usage(1_000_000, 0, 400_000))).toBeCloseTo(1, 10)
  })
})

describe("Pricing.cost", () => {
  const pricing = pricingWith()

  test("unknown model costs null, never 0", () => {
    expect(costFor(pricing, ["definitely-not-a-model"], usage(1000, 1000))).toBeNull()
    expect(costFor(pricing, [], usage(0, 0))).toBeNull()
  })

  test("zero usage on a priced model is a real 0", () => {
    expect(costFor(pricing, ["gpt-4o"], usage(0, 0))).toBe(0)
  })

  test("input and output arithmetic", () => {
    // 1000 × 2.5 + 500 × 10 = 7500 micro-dollars
    expect(costFor(pricing, ["gpt-4o"], usage(1000, 500))).toBeCloseTo(0.0075, 12)
    expect(costFor(pricing, ["mock-embed"], usage(1_000_000, 0))).toBeCloseTo(0.02, 12)
  })

  test("cached tokens bill at the cached price", () => {
    // (1000 − 400) × 2.5 + 400 × 1.25 + 100 × 10 = 1500 + 500 + 1000
    expect(costFor(pricing, ["gpt-4o"], usage(1000, 100, 400))).toBeCloseTo(0.003, 12)
    // (10000 − 8000) × 3 + 8000 × 0.3 + 1000 × 15 = 6000 + 2400 + 15000
    expect(costFor(pricing, ["claude-sonnet-4-5-20250929"], usage(10_000, 1_000, 8_000))).toBeCloseTo(0.0234, 12)
  })

  test("cached tokens bill as input when the model has no cached price", () => {
    expect(costFor(pricing, ["mock-gpt"], usage(1000, 0, 600))).toBeCloseTo(0.0005, 12)
  })

  test("cached tokens beyond the prompt are clamped", () => {
    // all 1000 prompt tokens cached: 1000 × 1.25
    expect(costFor(pricing, ["gpt-4o"], usage(1000, 0, 5000))).toBeCloseTo(0.00125, 12)
  })
})

describe("canonicalModelName", () => {
  test("normalises prefixes, case, dots and version suffixes", () => {
    expect(canonicalModelName("openai/GPT-4o-2024-08-06")).toBe("gpt-4o")
    expect(canonicalModelName("claude-sonnet-4-5@20250929")).toBe("claude-sonnet-4-5")
    expect(canonicalModelName("mistral-large-latest")).toBe("mistral-large")
    expect(canonicalModelName("gpt-4.1-mini")).toBe("gpt-4-1-mini")
    expect(canonicalModelName("gpt-4o-mini-foo")).toBe("gpt-4o-mini-foo")
  })
})
