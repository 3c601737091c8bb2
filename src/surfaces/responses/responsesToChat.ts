import { Predicate, Result } from "effect"
import type { ChatCompletionCreateParamsBase, ChatCompletionMessageParam } from "openai/resources/chat/completions"
import type { ReasoningEffort } from "openai/resources/shared"
import type { ChatRequest, Translated } from "../../domain/Chat.ts"
import type { JsonObject } from "../../providers/Provider.ts"
import { inputToMessages } from "./inputToMessages.ts"
import { unsupported } from "../../domain/unsupported.ts"
import { textToChat } from "./textToChat.ts"
import { toolChoiceToChat } from "./toolChoiceToChat.ts"
import { toolsToChat } from "./toolsToChat.ts"
import { typed } from "./typed.ts"

const handled = new Set([
  "model", "input", "instructions", "tools", "tool_choice", "parallel_tool_calls", "max_output_tokens", "temperature",
  "top_p", "text", "reasoning", "user", "safety_identifier", "stream", "truncation", "background", "include", "top_logprobs"
])

/**
 * Accepted and ignored, as they have no effect on the generated output: `store` (this gateway stores nothing),
 * `metadata`, `include` (extra output only OpenAI produces, e.g. encrypted reasoning; logprobs are refused below),
 * `service_tier`, `prompt_cache_key` and `prompt_cache_retention` (cache hints), `stream_options` (obfuscation
 * padding) and `max_tool_calls` (a cap on built-in tool calls, which are refused). `truncation: "disabled"` and
 * `background: false` are the defaults and are accepted too.
 */
const ignored = new Set(["store", "metadata", "service_tier", "prompt_cache_key", "prompt_cache_retention", "stream_options", "max_tool_calls"])

const stateful: Readonly<Record<string, string>> = {
  previous_response_id:
    "This gateway does not store responses, so 'previous_response_id' cannot be resolved: send the whole conversation in 'input' (and set 'store' to false).",
  conversation: "This gateway does not store conversations: send the whole conversation in 'input' (and set 'store' to false).",
  prompt: "Stored prompts are not supported by this gateway: send the instructions and input themselves."
}

const efforts: ReadonlyArray<NonNullable<ReasoningEffort>> = ["none", "minimal", "low", "medium", "high", "xhigh", "max"]
const isEffort = (value: unknown): value is NonNullable<ReasoningEffort> => efforts.some((effort) => effort === value)

/**
 * `reasoning.effort` as `reasoning_effort`. `summary` and `generate_summary` choose how OpenAI summarises its
 * hidden reasoning; upstream reasoning comes back as it is (reasoning text), so they are ignored.
 */
const reasoningEffort = (reasoning: unknown): Translated<NonNullable<ReasoningEffort> | undefined> =>
  Result.gen(function*() {
    const { effort, summary: _summary, generate_summary: _generate, ...rest } = yield* typed(reasoning, "reasoning", "object")
    const extra = Object.keys(rest).find((key) => rest[key] !== undefined && rest[key] !== null)
    if (extra !== undefined) return yield* unsupported(`reasoning.${extra}`, `'reasoning.${extra}' is not supported by this gateway.`)
    if (effort === undefined || effort === null) return undefined
    return isEffort(effort) ? effort : yield* unsupported("reasoning.effort", `'reasoning.effort' must be one of ${efforts.join(", ")}.`)
  })

/** An OpenAI Responses request as a canonical chat request. */
export const responsesToChat = (body: JsonObject): Translated<ChatRequest> =>
  Result.gen(function*() {
    const set = (key: string) => body[key] !== undefined && body[key] !== null
    for (const key of Object.keys(body).filter(set)) {
      const reason = stateful[key]
      if (reason !== undefined) return yield* unsupported(key, reason)
      if (!handled.has(key) && !ignored.has(key)) return yield* unsupported(key, `Unrecognized or unsupported parameter '${key}'.`)
    }
    if (body.background === true) return yield* unsupported("background", "Background responses are not supported by this gateway.")
    if (set("truncation") && body.truncation !== "disabled") {
      return yield* unsupported("truncation", "This gateway does not drop input items to fit the context window: only 'disabled' is supported.")
    }
    if (set("include")) {
      const include = yield* typed(body.include, "include", "array")
      const logprobs = include.indexOf("message.output_text.logprobs")
      if (logprobs >= 0) return yield* unsupported(`include[${logprobs}]`, "Logprobs are not supported by this gateway's Responses API.")
    }
    if (set("top_logprobs") && body.top_logprobs !== 0) {
      return yield* unsupported("top_logprobs", "Logprobs are not supported by this gateway's Responses API.")
    }

    const messages: Array<ChatCompletionMessageParam> = []
    if (set("instructions")) messages.push({ role: "system", content: yield* typed(body.instructions, "instructions", "string") })
    if (Predicate.isString(body.input)) messages.push({ role: "user", content: body.input })
    else if (set("input")) messages.push(...yield* inputToMessages(yield* typed(body.input, "input", "array")))

    const request: Omit<ChatCompletionCreateParamsBase, "stream"> = {
      model: yield* typed(body.model, "model", "string"),
      messages
    }
    const tools = set("tools") ? yield* toolsToChat(yield* typed(body.tools, "tools", "array")) : []
    // Without tools, `tool_choice` and `parallel_tool_calls` have no effect, and chat upstreams reject them.
    if (tools.length > 0) {
      request.tools = tools
      if (set("tool_choice")) request.tool_choice = yield* toolChoiceToChat(body.tool_choice)
      if (set("parallel_tool_calls")) request.parallel_tool_calls = yield* typed(body.parallel_tool_calls, "parallel_tool_calls", "boolean")
    }
    if (set("max_output_tokens")) request.max_completion_tokens = yield* typed(body.max_output_tokens, "max_output_tokens", "number")
    if (set("temperature")) request.temperature = yield* typed(body.temperature, "temperature", "number")
    if (set("top_p")) request.top_p = yield* typed(body.top_p, "top_p", "number")
    if (set("text")) Object.assign(request, yield* textToChat(body.text))
    const effort = set("reasoning") ? yield* reasoningEffort(body.reasoning) : undefined
    if (effort !== undefined) request.reasoning_effort = effort
    if (set("user")) request.user = yield* typed(body.user, "user", "string")
    else if (set("safety_identifier")) request.user = yield* typed(body.safety_identifier, "safety_identifier", "string")
    const stream = set("stream") && (yield* typed(body.stream, "stream", "boolean"))
    return stream ? { ...request, stream: true } : request
  })
