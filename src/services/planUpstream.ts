import { Effect, Predicate, Result } from "effect"
import type { ChatRequest, Unsupported } from "../domain/Chat.ts"
import { type GatewayError, invalidRequest } from "../domain/GatewayError.ts"
import type { ParsedRequest, SurfaceName } from "../domain/parseRequest.ts"
import type { Endpoint, JsonObject } from "../providers/Provider.ts"
import { surfaceOf } from "../surfaces/surfaceOf.ts"
import type { Routed } from "./Router.ts"

/** The upstream call planned for one request: its body in the adapter's dialect, and whether it passes through. */
export interface Plan {
  /** A string when the client's own JSON goes upstream unchanged. */
  readonly body: JsonObject | string
  readonly passthrough: boolean
}

export const endpoints: Record<SurfaceName, Endpoint> = {
  chat: "chat",
  completions: "completions",
  embeddings: "embeddings",
  messages: "chat",
  count_tokens: "count_tokens",
  responses: "chat"
}

const refused = ({ param, message }: Unsupported) => invalidRequest(message, param, "unsupported_parameter")

/**
 * Same dialect: the client's body with the model renamed (and, for OpenAI streams, usage asked for). Otherwise
 * client → canonical chat → upstream dialect, refusing with a 400 what either side cannot express.
 */
export const planUpstream = (surfaceName: SurfaceName, parsed: ParsedRequest, routed: Routed): Effect.Effect<Plan, GatewayError> => {
  const { adapter, provider } = routed.candidate
  const { body, stream } = parsed
  if (!adapter.endpoints.has(endpoints[surfaceName])) {
    return Effect.fail(invalidRequest(
      `The model '${parsed.model}' is served by '${provider.name}' (type ${provider.type}), which has no ${surfaceName.replace("_", " ")} endpoint.`,
      "model",
      "unsupported_endpoint"
    ))
  }
  const model = routed.target.upstreamModel
  const surface = surfaceOf(surfaceName)
  if (surface.dialect === adapter.dialect) {
    const options = Predicate.isObject(body.stream_options) ? body.stream_options : {}
    const asked = adapter.dialect !== "openai" || !stream || options.include_usage === true
    // Nothing to change: the client's bytes go as they came (no re-serialization, numbers and key order intact).
    if (asked && body.model === model) return Effect.succeed({ body: parsed.text, passthrough: true })
    if (asked) return Effect.succeed({ body: { ...body, model }, passthrough: true })
    return Effect.succeed({ body: { ...body, model, stream_options: { ...options, include_usage: true } }, passthrough: true })
  }
  const canonical = surface.toChat(body)
  if (Result.isFailure(canonical)) return Effect.fail(refused(canonical.failure))
  const request: ChatRequest = stream
    ? { ...canonical.success, model, stream: true, stream_options: { include_usage: true } }
    : { ...canonical.success, model, stream: false }
  const translated = adapter.translator.fromChat(request)
  if (Result.isFailure(translated)) return Effect.fail(refused(translated.failure))
  return Effect.succeed({ body: translated.success, passthrough: false })
}
