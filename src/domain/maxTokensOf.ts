import type { JsonObject } from "../providers/Provider.ts"

const fields = ["max_completion_tokens", "max_tokens", "max_output_tokens"] as const

/** The output tokens a request may generate, as its dialect names them; 0 when it sets none. */
export const maxTokensOf = (body: JsonObject): number => {
  for (const field of fields) {
    const value = body[field]
    if (typeof value === "number" && Number.isFinite(value) && value > 0) return value
  }
  return 0
}
