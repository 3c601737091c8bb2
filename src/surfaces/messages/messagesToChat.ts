import { Predicate, Result } from "effect"
import type { ChatCompletionCreateParamsBase } from "openai/resources/chat/completions"
import type { ChatRequest, Translated } from "../../domain/Chat.ts"
import type { JsonObject } from "../../providers/Provider.ts"
import { outputConfigToChat } from "./outputConfigToChat.ts"
import { systemToChat } from "./systemToChat.ts"
import { thinkingToEffort } from "./thinkingToEffort.ts"
import { toolChoiceToChat } from "./toolChoiceToChat.ts"
import { toolsToChat } from "./toolsToChat.ts"
import { turnsToChat } from "./turnsToChat.ts"
import { unsupported } from "../../domain/unsupported.ts"

/**
 * Top-level fields ignored because they do not change the generated output: `cache_control` (automatic
 * prompt caching), `diagnostics` (cache-miss explanations), `service_tier` (which capacity pool serves it),
 * and the no-op values of `speed` ("standard"), `container` (null), `mcp_servers` (none) and
 * `inference_geo` (null). Their other values ask for something only Anthropic provides and are refused.
 */
const ignored = new Set(["cache_control", "diagnostics", "service_tier"])
const noOp: Readonly<Record<string, (value: unknown) => boolean>> = {
  speed: (value) => value === null || value === "standard",
  container: (value) => value === null,
  mcp_servers: (value) => value === null || (Array.isArray(value) && value.length === 0),
  inference_geo: (value) => value === null
}
const mapped = new Set([
  "model", "max_tokens", "messages", "system", "stop_sequences", "stream", "temperature", "top_p", "top_k",
  "tools", "tool_choice", "thinking", "metadata", "output_config"
])

const optionalNumber = (body: JsonObject, key: string): Translated<number | undefined> => {
  const value = body[key]
  if (value === undefined || value === null) return Result.succeed(undefined)
  return Predicate.isNumber(value) ? Result.succeed(value) : unsupported(key, `'${key}' must be a number.`)
}

const stopToChat = (value: unknown): Translated<Array<string> | undefined> => {
  if (value === undefined || value === null) return Result.succeed(undefined)
  if (!Array.isArray(value) || !value.every(Predicate.isString)) return unsupported("stop_sequences", "'stop_sequences' must be an array of strings.")
  return Result.succeed(value.length === 0 ? undefined : value)
}

const userOf = (metadata: unknown): Translated<string | undefined> => {
  if (metadata === undefined || metadata === null) return Result.succeed(undefined)
  if (!Predicate.isObject(metadata)) return unsupported("metadata", "'metadata' must be an object.")
  for (const key of Object.keys(metadata)) {
    if (key !== "user_id") return unsupported(`metadata.${key}`, `Unknown metadata field '${key}'.`)
  }
  const user = metadata.user_id
  if (user === undefined || user === null) return Result.succeed(undefined)
  return Predicate.isString(user) ? Result.succeed(user) : unsupported("metadata.user_id", "'metadata.user_id' must be a string.")
}

/** A Messages API body as a canonical chat request, refusing what a real Messages API or Chat Completions would not take. */
export const messagesToChat = (body: JsonObject): Translated<ChatRequest> => {
  for (const [key, value] of Object.entries(body)) {
    if (mapped.has(key) || ignored.has(key)) continue
    const isNoOp = noOp[key]
    if (isNoOp === undefined) return unsupported(key, `Unknown parameter '${key}'.`)
    if (!isNoOp(value)) return unsupported(key, `'${key}' asks for an Anthropic-only feature that cannot be translated for this model.`)
  }
  const maxTokens = body.max_tokens
  if (!Predicate.isNumber(maxTokens) || !Number.isInteger(maxTokens) || maxTokens < 1) {
    return unsupported("max_tokens", "'max_tokens' is required and must be a positive integer.")
  }
  if (body.top_k !== undefined && body.top_k !== null) return unsupported("top_k", "'top_k' has no equivalent for this model.")
  if (body.stream !== undefined && !Predicate.isBoolean(body.stream)) return unsupported("stream", "'stream' must be a boolean.")

  const system = body.system === undefined || body.system === null ? Result.succeed([]) : systemToChat(body.system, "system")
  if (Result.isFailure(system)) return Result.fail(system.failure)
  const turns = turnsToChat(body.messages)
  if (Result.isFailure(turns)) return Result.fail(turns.failure)
  const temperature = optionalNumber(body, "temperature")
  if (Result.isFailure(temperature)) return Result.fail(temperature.failure)
  const topP = optionalNumber(body, "top_p")
  if (Result.isFailure(topP)) return Result.fail(topP.failure)
  const stop = stopToChat(body.stop_sequences)
  if (Result.isFailure(stop)) return Result.fail(stop.failure)
  const user = userOf(body.metadata)
  if (Result.isFailure(user)) return Result.fail(user.failure)
  const tools = body.tools === undefined || body.tools === null ? Result.succeed([]) : toolsToChat(body.tools)
  if (Result.isFailure(tools)) return Result.fail(tools.failure)
  const toolChoice = toolChoiceToChat(body.tool_choice, tools.success.length > 0)
  if (Result.isFailure(toolChoice)) return Result.fail(toolChoice.failure)
  const effort = thinkingToEffort(body.thinking)
  if (Result.isFailure(effort)) return Result.fail(effort.failure)
  const output = outputConfigToChat(body.output_config)
  if (Result.isFailure(output)) return Result.fail(output.failure)

  const request: ChatCompletionCreateParamsBase = {
    model: Predicate.isString(body.model) ? body.model : "",
    messages: [...system.success, ...turns.success],
    max_tokens: maxTokens,
    ...(stop.success === undefined ? {} : { stop: stop.success }),
    ...(temperature.success === undefined ? {} : { temperature: temperature.success }),
    ...(topP.success === undefined ? {} : { top_p: topP.success }),
    ...(user.success === undefined ? {} : { user: user.success }),
    ...(tools.success.length === 0 ? {} : { tools: tools.success }),
    ...toolChoice.success,
    // An explicit output_config.effort wins over the effort derived from a thinking budget.
    ...(effort.success === undefined ? {} : { reasoning_effort: effort.success }),
    ...output.success,
    ...(body.stream === true ? { stream: true } : {})
  }
  return Result.succeed(request as ChatRequest)
}
