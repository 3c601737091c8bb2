import { t } from "elysia"
import type { PriceConfig } from "../../Config.ts"
import { type Source, SourceJson } from "./providerJson.ts"

/** A price override (USD per million tokens); it wins over the built-in price table. */
export const PriceJson = t.Object({
  model: t.String(),
  source: SourceJson,
  input_per_mtok: t.Number(),
  output_per_mtok: t.Number(),
  cached_input_per_mtok: t.Nullable(t.Number({ description: "null: cached input costs the input price" })),
  max_output_tokens: t.Nullable(t.Integer())
})

export const priceJson = (model: string, price: PriceConfig, source: Source) => ({
  model,
  source,
  input_per_mtok: price.inputPerMtok,
  output_per_mtok: price.outputPerMtok,
  cached_input_per_mtok: price.cachedInputPerMtok ?? null,
  max_output_tokens: price.maxOutputTokens ?? null
})

/** PUT: an entry as in the config file's `pricing:`. */
export const PriceBody = t.Object({
  input_per_mtok: t.Number(),
  output_per_mtok: t.Number(),
  cached_input_per_mtok: t.Optional(t.Number()),
  max_output_tokens: t.Optional(t.Integer({ description: "The model's output limit, for budget reservations" }))
}, { additionalProperties: true })
