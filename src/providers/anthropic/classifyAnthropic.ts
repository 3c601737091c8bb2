import { Predicate } from "effect"
import type { Reason } from "../../domain/GatewayError.ts"
import { UpstreamProtocol, UpstreamRateLimited, UpstreamRejected, UpstreamUnavailable } from "../../domain/GatewayError.ts"
import { retryAfterMs } from "../openaiCompatible.ts"
import type { ErrorResponse } from "../Provider.ts"

/** Anthropic's error types under the `type` and `code` the gateway's OpenAI-shaped errors use. */
const openAiNames: Record<string, { readonly type: string; readonly code: string | null }> = {
  invalid_request_error: { type: "invalid_request_error", code: null },
  authentication_error: { type: "authentication_error", code: "invalid_api_key" },
  permission_error: { type: "permission_error", code: null },
  not_found_error: { type: "invalid_request_error", code: "not_found" },
  request_too_large: { type: "invalid_request_error", code: "request_too_large" }
}

/** `{"type":"error","error":{"type","message"}}`, or a proxy's `{"message"}`; any other body lends its text as the message. */
const parseError = (body: string): { readonly type: string | null; readonly message: string | null } => {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    return { type: null, message: body.trim().slice(0, 500) || null }
  }
  const error = Predicate.isObject(json) && Predicate.isObject(json.error) ? json.error : {}
  const message = Predicate.isString(error.message) ? error.message : Predicate.isObject(json) ? json.message : undefined
  return {
    type: Predicate.isString(error.type) ? error.type : null,
    message: Predicate.isString(message) ? message : body.trim().slice(0, 500) || null
  }
}

/** A non-2xx Anthropic answer as the gateway's reason; 529 (overloaded) counts as unavailable, so it is retried. */
export const classifyAnthropic = ({ status, body, headers }: ErrorResponse): Reason => {
  const error = parseError(body)
  const message = error.message ?? `Upstream answered ${status}`
  if (status === 429) return new UpstreamRateLimited({ message, retryAfterMs: retryAfterMs(headers) })
  if (status >= 500) return new UpstreamUnavailable({ message: `Upstream error ${status}: ${message}`, upstreamStatus: status })
  if (status >= 400) {
    const known = error.type === null ? undefined : openAiNames[error.type]
    return new UpstreamRejected({
      status,
      message,
      type: known?.type ?? error.type ?? (status === 401 ? "authentication_error" : "invalid_request_error"),
      param: null,
      code: known?.code ?? null
    })
  }
  return new UpstreamProtocol({ message: `Unexpected upstream status ${status}` })
}
