import { Predicate, Result } from "effect"
import type { ChatRequest, Translated } from "../../domain/Chat.ts"
import type { JsonObject } from "../Provider.ts"
import { unsupported } from "../../domain/unsupported.ts"
import { toAnthropicMessages } from "./toAnthropicMessages.ts"
import { toAnthropicTools } from "./toAnthropicTools.ts"

const mapped = new Set([
  "model", "messages", "max_tokens", "max_completion_tokens", "stop", "temperature", "top_p", "user",
  "safety_identifier", "stream", "tools", "tool_choice", "parallel_tool_calls", "reasoning_effort"
])

/**
 * Accepted and ignored, having no effect on the generated output: `metadata` and `store` (OpenAI's stored
 * completions), `stream_options` (the gateway handles usage reporting), `service_tier` (latency and price),
 * and the prompt cache settings (caching changes cost, not output).
 */
const ignored = new Set([
  "metadata", "store", "stream_options", "service_tier", "prompt_cache_key", "prompt_cache_retention", "prompt_cache_options"
])

const never = () => false

/** Fields Anthropic has no counterpart for: accepted only when absent, null or set to the value that changes nothing. */
const neutral: Record<string, (value: unknown) => boolean> = {
  n: (value) => value === 1,
  logprobs: (value) => value === false,
  top_logprobs: (value) => value === 0,
  response_format: (value) => Predicate.isObject(value) && value.type === "text",
  modalities: (value) => Array.isArray(value) && value.every((m) => m === "text"),
  logit_bias: (value) => Predicate.isObject(value) && Object.keys(value).length === 0,
  presence_penalty: (value) => value === 0,
  frequency_penalty: (value) => value === 0,
  audio: never,
  seed: never,
  prediction: never,
  web_search_options: never,
  functions: never,
  function_call: never,
  verbosity: never,
  moderation: never
}

/** Thinking budgets for OpenAI's reasoning efforts ("none" is no thinking); Anthropic's minimum budget is 1024. */
const budgets: Record<string, number> = { minimal: 1024, low: 1024, medium: 4096, high: 16384, xhigh: 32768 }

const defaultMaxTokens = 4096

const present = (value: unknown) => value !== undefined && value !== null

const thinkingBudget = (effort: unknown): Translated<number | undefined> => {
  if (!present(effort) || effort === "none") return Result.succeed(undefined)
  const budget = budgets[String(effort)]
  return budget === undefined
    ? unsupported("reasoning_effort", `Anthropic thinking budgets are mapped for none, ${Object.keys(budgets).join(", ")}.`)
    : Result.succeed(budget)
}

/** A canonical chat request as an Anthropic Messages body; what Anthropic cannot express is refused. */
export const chatToAnthropic = (request: ChatRequest): Translated<JsonObject> =>
  Result.gen(function*() {
    const fields: { readonly [key: string]: unknown } = { ...request }
    for (const [key, value] of Object.entries(fields)) {
      if (mapped.has(key) || ignored.has(key) || !present(value)) continue
      const isNeutral = neutral[key]
      if (isNeutral === undefined) return yield* unsupported(key, `Unknown parameter '${key}'.`)
      if (!isNeutral(value)) return yield* unsupported(key, `Anthropic's Messages API has no counterpart for '${key}'.`)
    }
    if (Predicate.isNumber(fields.temperature) && fields.temperature > 1) {
      return yield* unsupported("temperature", "Anthropic's temperature ranges from 0 to 1.")
    }
    const { system, messages } = yield* toAnthropicMessages(fields.messages)
    const tools = yield* toAnthropicTools(fields.tools, fields.tool_choice, fields.parallel_tool_calls)
    const maxField = present(fields.max_completion_tokens) ? "max_completion_tokens" : "max_tokens"
    const requested = fields[maxField] ?? defaultMaxTokens
    if (!Predicate.isNumber(requested)) return yield* unsupported(maxField, `${maxField} must be a number.`)
    const budget = yield* thinkingBudget(fields.reasoning_effort)
    // Anthropic counts thinking within max_tokens and needs it above the budget: the answer keeps what was asked.
    const maxTokens = budget !== undefined && requested <= budget ? requested + budget : requested
    const stop = fields.stop
    const userId = fields.user ?? fields.safety_identifier
    return {
      model: fields.model,
      max_tokens: maxTokens,
      ...(system === undefined ? {} : { system }),
      messages,
      ...tools,
      ...(present(stop) ? { stop_sequences: Array.isArray(stop) ? stop : [stop] } : {}),
      ...(present(fields.temperature) ? { temperature: fields.temperature } : {}),
      ...(present(fields.top_p) ? { top_p: fields.top_p } : {}),
      ...(present(userId) ? { metadata: { user_id: userId } } : {}),
      ...(budget === undefined ? {} : { thinking: { type: "enabled", budget_tokens: budget } }),
      ...(present(fields.stream) ? { stream: fields.stream } : {})
    }
  })
