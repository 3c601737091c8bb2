import { Effect, Predicate } from "effect"
import { type GatewayError, invalidRequest } from "./GatewayError.ts"
import type { JsonObject } from "../providers/Provider.ts"

/** The client-facing API a request came in on (its path), which is also what its ledger row records. */
export type SurfaceName = "chat" | "completions" | "embeddings" | "messages" | "count_tokens" | "responses"

/** What each surface cannot do without, besides `model`. */
const required: Record<SurfaceName, string> = {
  chat: "messages",
  completions: "prompt",
  embeddings: "input",
  messages: "messages",
  count_tokens: "messages",
  responses: "input"
}
const conversations = new Set<SurfaceName>(["chat", "messages", "count_tokens"])
const streamless = new Set<SurfaceName>(["embeddings", "count_tokens"])

/** A parsed request body: a JSON object with a model name. Everything else is the upstream's to judge. */
export interface ParsedRequest {
  readonly body: JsonObject
  /** The body as the client sent it. */
  readonly text: string
  readonly model: string
  readonly stream: boolean
}

export const parseRequest = (endpoint: SurfaceName, text: string): Effect.Effect<ParsedRequest, GatewayError> => {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return Effect.fail(invalidRequest("We could not parse the JSON body of your request: it is not valid JSON.", null, "invalid_json"))
  }
  if (!Predicate.isObject(body)) return Effect.fail(invalidRequest("The request body must be a JSON object.", null, "invalid_json"))
  if (!Predicate.isString(body.model) || body.model === "") {
    return Effect.fail(invalidRequest("You must provide a model parameter.", "model", "missing_required_parameter"))
  }
  const field = required[endpoint]
  if (body[field] === undefined || body[field] === null) {
    return Effect.fail(invalidRequest(`Missing required parameter: '${field}'.`, field, "missing_required_parameter"))
  }
  if (conversations.has(endpoint) && (!Array.isArray(body.messages) || body.messages.length === 0)) {
    return Effect.fail(invalidRequest("'messages' must be a non-empty array.", "messages", "invalid_type"))
  }
  if (body.stream !== undefined && body.stream !== null && !Predicate.isBoolean(body.stream)) {
    return Effect.fail(invalidRequest("'stream' must be a boolean.", "stream", "invalid_type"))
  }
  if (body.stream_options !== undefined && body.stream_options !== null && !Predicate.isObject(body.stream_options)) {
    return Effect.fail(invalidRequest("'stream_options' must be an object.", "stream_options", "invalid_type"))
  }
  return Effect.succeed({ body, text, model: body.model, stream: !streamless.has(endpoint) && body.stream === true })
}
