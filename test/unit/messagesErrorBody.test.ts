import { describe, expect, test } from "bun:test"
import {
  Forbidden,
  InvalidRequest,
  NoRoute,
  PayloadTooLarge,
  Unauthorized,
  UpstreamRateLimited,
  UpstreamRejected,
  UpstreamTimeout,
  UpstreamUnavailable
} from "../../src/domain/GatewayError.ts"
import { messages } from "../../src/surfaces/messages.ts"

const rejected = (status: number) => new UpstreamRejected({ status, message: "upstream says no", type: "x", param: null, code: null })

describe("messages.errorBody", () => {
  test.each([
    ["invalid_request_error", new InvalidRequest({ message: "bad", param: "max_tokens", code: null }), "bad"],
    ["authentication_error", new Unauthorized({ message: "Invalid API key" }), "Invalid API key"],
    ["permission_error", new Forbidden({ message: "not allowed", code: "model_not_allowed" }), "not allowed"],
    ["not_found_error", new NoRoute({ model: "claude-x", suggestions: [] }), "The model 'claude-x' does not exist or is not served by this gateway."],
    ["request_too_large", new PayloadTooLarge({ limit: 10 }), "Request body exceeds the limit of 10 bytes"],
    ["rate_limit_error", new UpstreamRateLimited({ message: "slow down", retryAfterMs: null }), "slow down"],
    ["overloaded_error", rejected(503), "upstream says no"],
    ["overloaded_error", rejected(529), "upstream says no"],
    ["invalid_request_error", rejected(422), "upstream says no"],
    ["api_error", new UpstreamUnavailable({ message: "boom", upstreamStatus: 500 }), "boom"],
    ["api_error", new UpstreamUnavailable({ message: "refused", upstreamStatus: null }), "refused"],
    ["overloaded_error", new UpstreamUnavailable({ message: "busy", upstreamStatus: 529 }), "busy"],
    ["timeout_error", new UpstreamTimeout({ message: "late" }), "late"]
  ])("%s", (type, reason, message) => {
    expect(messages.errorBody(reason)).toEqual({ type: "error", error: { type, message } })
  })
})
