import type { Reason } from "../domain/GatewayError.ts"
import type { HeaderReader } from "../domain/HeaderReader.ts"
import {
  UpstreamProtocol,
  UpstreamRateLimited,
  UpstreamRejected,
  UpstreamUnavailable
} from "../domain/GatewayError.ts"
import { openaiTranslator } from "./openaiTranslator.ts"
import { type Endpoint, type ErrorResponse, type Provider, serialized } from "./Provider.ts"
import { Predicate, Redacted } from "effect"

const paths: Partial<Record<Endpoint, string>> = {
  chat: "/chat/completions",
  completions: "/completions",
  embeddings: "/embeddings",
  models: "/models"
}

/** `retry-after` in seconds or as an HTTP date, or OpenAI's `retry-after-ms`. */
export const retryAfterMs = (headers: HeaderReader): number | null => {
  const ms = Number(headers.get("retry-after-ms"))
  if (ms > 0) return ms
  const value = headers.get("retry-after")?.trim()
  if (value === undefined || value === "") return null
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now())
}

const field = (object: unknown, key: string): unknown => Predicate.isObject(object) ? (object as Record<string, unknown>)[key] : undefined
const text = (value: unknown): string | null => Predicate.isString(value) ? value : Predicate.isNumber(value) ? String(value) : null

/** OpenAI's `{"error":{message,type,param,code}}`, also accepting the `{"error":"…"}` and `{"message":…}` variants. */
const parseError = (body: string) => {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    return { message: body.slice(0, 500) || null, type: null, param: null, code: null }
  }
  const error = field(json, "error")
  const source = Predicate.isObject(error) ? error : json
  return {
    message: text(field(source, "message")) ?? text(error) ?? text(field(json, "detail")),
    type: text(field(source, "type")),
    param: text(field(source, "param")),
    code: text(field(source, "code"))
  }
}

export const classifyOpenAi = ({ status, body, headers }: ErrorResponse): Reason => {
  const error = parseError(body)
  const message = error.message ?? `Upstream answered ${status}`
  if (status === 429) return new UpstreamRateLimited({ message, retryAfterMs: retryAfterMs(headers) })
  if (status >= 400 && status < 500) {
    return new UpstreamRejected({
      status,
      message,
      type: error.type ?? (status === 401 ? "authentication_error" : "invalid_request_error"),
      param: error.param,
      code: error.code
    })
  }
  if (status >= 500) return new UpstreamUnavailable({ message: `Upstream error ${status}: ${message}`, upstreamStatus: status })
  return new UpstreamProtocol({ message: `Unexpected upstream status ${status}` })
}

export interface OpenAiCompatibleOptions {
  readonly baseUrl?: string
  readonly requiresKey?: boolean
}

const endpoints: ReadonlySet<Endpoint> = new Set(["chat", "completions", "embeddings", "models"])

/** Any server speaking OpenAI's wire format: a preset is one call with its well-known base URL. */
export const openaiCompatible = (options: OpenAiCompatibleOptions = {}): Provider => ({
  dialect: "openai",
  translator: openaiTranslator,
  defaultBaseUrl: options.baseUrl,
  requiresKey: options.requiresKey ?? false,
  endpoints,
  toRequest: ({ endpoint, body, target }) => {
    const headers: Record<string, string> = { ...target.provider.headers }
    if (body !== undefined) headers["content-type"] = "application/json"
    if (target.key !== undefined) headers.authorization = `Bearer ${Redacted.value(target.key)}`
    const base = (target.provider.baseUrl ?? options.baseUrl ?? "").replace(/\/+$/, "")
    return {
      method: body === undefined ? "GET" : "POST",
      url: base + (paths[endpoint] ?? ""),
      headers,
      body: body === undefined ? undefined : serialized(body)
    }
  },
  classify: classifyOpenAi
})
