import { Predicate, Result } from "effect"
import type { ChatRequest, Translated } from "../../domain/Chat.ts"
import type { JsonObject } from "../Provider.ts"
import { generationConfigOf } from "./generationConfigOf.ts"
import type { GenerateContentRequest } from "./GeminiWire.ts"
import { messagesToGemini } from "./messagesToGemini.ts"
import { toolsToGemini } from "./toolsToGemini.ts"
import { unsupported } from "../../domain/unsupported.ts"

const mapped = new Set([
  "messages", "temperature", "top_p", "top_k", "max_tokens", "max_completion_tokens", "stop", "n", "seed",
  "presence_penalty", "frequency_penalty", "response_format", "reasoning_effort", "tools", "tool_choice"
])

/**
 * Fields with no effect on what is generated, or that the gateway or the URL handle: `model` and `stream`
 * (the URL), `stream_options` (the gateway reports usage), `store`, `metadata`, `user`, `safety_identifier`,
 * `service_tier`, the `prompt_cache_*` hints (Gemini caches implicitly), and `parallel_tool_calls` (Gemini
 * decides itself how many calls to make).
 */
const ignored = new Set([
  "model", "stream", "stream_options", "store", "metadata", "user", "safety_identifier", "service_tier",
  "prompt_cache_key", "prompt_cache_options", "prompt_cache_retention", "parallel_tool_calls"
])

/** Fields Gemini cannot express, refused unless they ask for nothing (absent, null, false, empty, text only). */
const refusedWhen: Record<string, (value: unknown) => boolean> = {
  logprobs: (value) => value === true,
  top_logprobs: (value) => value !== null,
  logit_bias: (value) => value !== null && !(Predicate.isObject(value) && Object.keys(value).length === 0),
  audio: (value) => value !== null,
  modalities: (value) => !(value === null || (Array.isArray(value) && value.every((m) => m === "text"))),
  prediction: (value) => value !== null,
  web_search_options: (value) => value !== null,
  functions: (value) => !(value === null || (Array.isArray(value) && value.length === 0)),
  function_call: (value) => value !== null,
  moderation: (value) => value !== null,
  verbosity: (value) => value !== null
}

const checkFields = (request: ChatRequest): Translated<void> => {
  for (const [field, value] of Object.entries(request)) {
    if (value === undefined || mapped.has(field) || ignored.has(field)) continue
    const refused = refusedWhen[field]
    if (refused === undefined) return unsupported(field, `Unknown field '${field}'`)
    if (refused(value)) return unsupported(field, `Gemini cannot honour '${field}'`)
  }
  return Result.void
}

/** A chat request as a GenerateContentRequest body; the model and streaming go in the URL. */
export const chatToGemini = (request: ChatRequest): Translated<JsonObject> =>
  Result.gen(function*() {
    yield* checkFields(request)
    const { contents, systemInstruction } = yield* messagesToGemini(request.messages)
    const { tools, toolConfig } = yield* toolsToGemini(request)
    const generationConfig = yield* generationConfigOf(request)
    const body: GenerateContentRequest = {
      contents,
      ...(systemInstruction === undefined ? {} : { systemInstruction }),
      ...(tools === undefined ? {} : { tools }),
      ...(toolConfig === undefined ? {} : { toolConfig }),
      ...(Object.keys(generationConfig).length === 0 ? {} : { generationConfig })
    }
    return { ...body }
  })
