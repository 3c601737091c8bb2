import { Predicate } from "effect"
import type { Reason } from "../../domain/GatewayError.ts"
import { UpstreamProtocol, UpstreamRateLimited, UpstreamRejected, UpstreamUnavailable } from "../../domain/GatewayError.ts"
import { retryAfterMs } from "../openaiCompatible.ts"
import type { ErrorResponse } from "../Provider.ts"
import type { GoogleError } from "./GeminiWire.ts"

type Detail = NonNullable<GoogleError["details"]>[number]

/** Google's error object; streaming endpoints without `alt=sse` wrap it in an array. */
const parseError = (body: string): GoogleError | undefined => {
  try {
    const json: unknown = JSON.parse(body)
    const first: unknown = Array.isArray(json) ? json[0] : json
    return Predicate.isObject(first) && Predicate.isObject(first.error) ? first.error as GoogleError : undefined
  } catch {
    return undefined
  }
}

/** An HTML error page (Google's front end) says most in its title; other text is kept short. */
const plainMessage = (body: string): string | undefined => {
  const title = /<title>([^<]*)<\/title>/i.exec(body)?.[1]?.trim()
  const text = title || body.trim().slice(0, 500)
  return text === "" ? undefined : text
}

const details = (error: GoogleError | undefined): ReadonlyArray<Detail> =>
  Array.isArray(error?.details) ? error.details.filter(Predicate.isObject) : []

/** A `google.rpc.RetryInfo` detail's `retryDelay`, a protobuf Duration in JSON: "30s", "1.5s". */
const retryDelayMs = (error: GoogleError | undefined): number | null => {
  const info = details(error).find((d) => d["@type"] === "type.googleapis.com/google.rpc.RetryInfo")
  const delay = info?.retryDelay
  const seconds = Predicate.isString(delay) ? /^(\d+(?:\.\d+)?)s$/.exec(delay.trim())?.[1] : undefined
  return seconds === undefined ? null : Math.round(Number(seconds) * 1000)
}

/** Gemini answers a bad key with 400 INVALID_ARGUMENT; only the ErrorInfo reason tells it apart. */
const badKey = (error: GoogleError | undefined) =>
  details(error).some((d) => d.reason === "API_KEY_INVALID") || error?.status === "UNAUTHENTICATED"

export const classifyGemini = ({ status, body, headers }: ErrorResponse): Reason => {
  const error = parseError(body)
  const message = (Predicate.isString(error?.message) && error.message !== "" ? error.message : plainMessage(body)) ??
    `Gemini answered ${status}`
  const code = Predicate.isString(error?.status) ? error.status : null
  if (status === 429 || code === "RESOURCE_EXHAUSTED") {
    return new UpstreamRateLimited({ message, retryAfterMs: retryAfterMs(headers) ?? retryDelayMs(error) })
  }
  if (status === 401 || (status === 400 && badKey(error))) {
    return new UpstreamRejected({ status: 401, message, type: "authentication_error", param: null, code })
  }
  if (status === 403) return new UpstreamRejected({ status, message, type: "permission_error", param: null, code })
  if (status >= 400 && status < 500) {
    const type = status === 404 ? "not_found_error" : "invalid_request_error"
    return new UpstreamRejected({ status, message, type, param: null, code })
  }
  if (status >= 500) return new UpstreamUnavailable({ message: `Upstream error ${status}: ${message}`, upstreamStatus: status })
  return new UpstreamProtocol({ message: `Unexpected upstream status ${status}: ${message}` })
}
