import { Predicate, Result } from "effect"
import type { ChatRequest, Translated } from "../../domain/Chat.ts"
import type { GeminiGenerationConfig, GeminiThinkingConfig } from "./GeminiWire.ts"
import { unsupported } from "../../domain/unsupported.ts"

/**
 * Google's own mapping for Gemini 2.5 budgets; "minimal" gets the smallest budget every model accepts, and
 * "xhigh"/"max" the largest that Flash accepts as well as Pro.
 */
const budgets: Record<string, number> = { minimal: 1024, low: 1024, medium: 8192, high: 24576, xhigh: 24576, max: 24576 }

const thinkingConfigOf = (effort: unknown): Translated<GeminiThinkingConfig | undefined> => {
  if (effort === undefined || effort === null) return Result.succeed(undefined)
  if (effort === "none") return Result.succeed({ thinkingBudget: 0 })
  const budget = Predicate.isString(effort) ? budgets[effort] : undefined
  return budget === undefined
    ? unsupported("reasoning_effort", `reasoning_effort '${String(effort)}' has no Gemini thinking budget`)
    : Result.succeed({ thinkingBudget: budget, includeThoughts: true })
}

const responseFormatOf = (format: ChatRequest["response_format"]): Translated<GeminiGenerationConfig> => {
  switch (format?.type) {
    case undefined:
    case "text":
      return Result.succeed({})
    case "json_object":
      return Result.succeed({ responseMimeType: "application/json" })
    case "json_schema":
      return Result.succeed({
        responseMimeType: "application/json",
        ...(format.json_schema.schema === undefined ? {} : { responseJsonSchema: format.json_schema.schema })
      })
    default:
      return unsupported("response_format.type", `response_format '${String((format as { type: unknown }).type)}' is not supported by Gemini`)
  }
}

const defined = <A>(value: A | null | undefined): value is A => value !== undefined && value !== null

/** Sampling, length, stop, output format and thinking; `top_k` is taken when a surface carries it. */
export const generationConfigOf = (request: ChatRequest & { readonly top_k?: unknown }): Translated<GeminiGenerationConfig> =>
  Result.gen(function*() {
    if (defined(request.n) && request.n !== 1) return yield* unsupported("n", "Only one choice (n: 1) is supported")
    if (defined(request.top_k) && !Predicate.isNumber(request.top_k)) return yield* unsupported("top_k", "top_k must be a number")
    const maxTokens = request.max_completion_tokens ?? request.max_tokens
    const stop = request.stop
    const thinkingConfig = yield* thinkingConfigOf(request.reasoning_effort)
    const config: GeminiGenerationConfig = {
      ...(defined(request.temperature) ? { temperature: request.temperature } : {}),
      ...(defined(request.top_p) ? { topP: request.top_p } : {}),
      ...(Predicate.isNumber(request.top_k) ? { topK: request.top_k } : {}),
      ...(defined(maxTokens) ? { maxOutputTokens: maxTokens } : {}),
      ...(defined(stop) ? { stopSequences: Predicate.isString(stop) ? [stop] : stop } : {}),
      ...(defined(request.seed) ? { seed: request.seed } : {}),
      ...(defined(request.presence_penalty) ? { presencePenalty: request.presence_penalty } : {}),
      ...(defined(request.frequency_penalty) ? { frequencyPenalty: request.frequency_penalty } : {}),
      ...(yield* responseFormatOf(request.response_format)),
      ...(thinkingConfig === undefined ? {} : { thinkingConfig })
    }
    return config
  })
