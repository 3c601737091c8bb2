import { Schema } from "effect"

/**
 * Why a request failed. Each reason knows its HTTP status, the OpenAI error `type`/`code` it surfaces as,
 * and whether trying again (another attempt or another target) can help. Retry and fallback read
 * `retryable`, never lists of status codes.
 */
export class Unauthorized extends Schema.TaggedClass<Unauthorized>()("Unauthorized", {
  message: Schema.String
}) {
  get status() { return 401 }
  get retryable() { return false }
  get type() { return "authentication_error" }
  get code() { return "invalid_api_key" }
}

export class Forbidden extends Schema.TaggedClass<Forbidden>()("Forbidden", {
  message: Schema.String,
  code: Schema.String
}) {
  get status() { return 403 }
  get retryable() { return false }
  get type() { return "permission_error" }
}

export class InvalidRequest extends Schema.TaggedClass<InvalidRequest>()("InvalidRequest", {
  message: Schema.String,
  param: Schema.NullOr(Schema.String),
  code: Schema.NullOr(Schema.String)
}) {
  get status() { return 400 }
  get retryable() { return false }
  get type() { return "invalid_request_error" }
}

export class PayloadTooLarge extends Schema.TaggedClass<PayloadTooLarge>()("PayloadTooLarge", {
  limit: Schema.Number
}) {
  get status() { return 413 }
  get retryable() { return false }
  get type() { return "invalid_request_error" }
  get code() { return "request_too_large" }
  get message() { return `Request body exceeds the limit of ${this.limit} bytes` }
}

export class NoRoute extends Schema.TaggedClass<NoRoute>()("NoRoute", {
  model: Schema.String,
  suggestions: Schema.Array(Schema.String)
}) {
  get status() { return 404 }
  get retryable() { return false }
  get type() { return "invalid_request_error" }
  get code() { return "model_not_found" }
  get message() {
    const hint = this.suggestions.length > 0 ? ` Did you mean: ${this.suggestions.join(", ")}?` : ""
    return `The model '${this.model}' does not exist or is not served by this gateway.${hint}`
  }
}

/**
 * The gateway's own limits refused the request (upstream capacity exhausted past the queue deadline, a key's rate
 * limit); `headers` are the key's `x-ratelimit-*` headers.
 */
export class RateLimited extends Schema.TaggedClass<RateLimited>()("RateLimited", {
  message: Schema.String,
  code: Schema.String,
  retryAfterMs: Schema.NullOr(Schema.Number),
  headers: Schema.optionalKey(Schema.Record(Schema.String, Schema.String))
}) {
  get status() { return 429 }
  get retryable() { return false }
  get type() { return "rate_limit_error" }
}

/** The key's budget or token quota cannot hold this request's worst-case cost. */
export class BudgetExceeded extends Schema.TaggedClass<BudgetExceeded>()("BudgetExceeded", {
  message: Schema.String
}) {
  get status() { return 429 }
  get retryable() { return false }
  get type() { return "insufficient_quota" }
  get code() { return "budget_exceeded" }
}

/** The upstream answered with a 4xx other than 429: its status and message are passed through. */
export class UpstreamRejected extends Schema.TaggedClass<UpstreamRejected>()("UpstreamRejected", {
  status: Schema.Number,
  message: Schema.String,
  type: Schema.String,
  param: Schema.NullOr(Schema.String),
  code: Schema.NullOr(Schema.String)
}) {
  get retryable() { return false }
}

export class UpstreamRateLimited extends Schema.TaggedClass<UpstreamRateLimited>()("UpstreamRateLimited", {
  message: Schema.String,
  retryAfterMs: Schema.NullOr(Schema.Number)
}) {
  get status() { return 429 }
  get retryable() { return true }
  get type() { return "rate_limit_error" }
  get code() { return "upstream_rate_limited" }
}

export class UpstreamUnavailable extends Schema.TaggedClass<UpstreamUnavailable>()("UpstreamUnavailable", {
  message: Schema.String,
  upstreamStatus: Schema.NullOr(Schema.Number)
}) {
  get status() { return 502 }
  get retryable() { return true }
  get type() { return "upstream_error" }
  get code() { return "upstream_unavailable" }
}

export class UpstreamTimeout extends Schema.TaggedClass<UpstreamTimeout>()("UpstreamTimeout", {
  message: Schema.String
}) {
  get status() { return 504 }
  get retryable() { return true }
  get type() { return "upstream_error" }
  get code() { return "upstream_timeout" }
}

/** The upstream answered 2xx with something that is not its own wire format. */
export class UpstreamProtocol extends Schema.TaggedClass<UpstreamProtocol>()("UpstreamProtocol", {
  message: Schema.String
}) {
  get status() { return 502 }
  get retryable() { return true }
  get type() { return "upstream_error" }
  get code() { return "upstream_protocol_error" }
}

export class ClientClosed extends Schema.TaggedClass<ClientClosed>()("ClientClosed", {}) {
  get status() { return 499 }
  get retryable() { return false }
  get type() { return "client_closed" }
  get code() { return "client_closed_request" }
  get message() { return "The client closed the request" }
}

export const Reason = Schema.Union([
  Unauthorized,
  Forbidden,
  InvalidRequest,
  PayloadTooLarge,
  NoRoute,
  RateLimited,
  BudgetExceeded,
  UpstreamRejected,
  UpstreamRateLimited,
  UpstreamUnavailable,
  UpstreamTimeout,
  UpstreamProtocol,
  ClientClosed
])
export type Reason = typeof Reason.Type

/** The one error of the gateway's request path; `http/respond.ts` alone turns it into a response body. */
export class GatewayError extends Schema.TaggedError<GatewayError>()("GatewayError", {
  reason: Reason
}) {
  override get message() { return this.reason.message }
}

export const fail = (reason: Reason) => new GatewayError({ reason })

export const invalidRequest = (message: string, param: string | null = null, code: string | null = null) =>
  fail(new InvalidRequest({ message, param, code }))
