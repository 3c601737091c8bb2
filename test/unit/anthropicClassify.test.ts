import { describe, expect, test } from "bun:test"
import { classifyAnthropic } from "../../src/providers/anthropic/classifyAnthropic.ts"

const body = (type: string, message: string) => JSON.stringify({ type: "error", error: { type, message }, request_id: "req_011C" })
const classify = (status: number, text: string, headers: Record<string, string> = {}) =>
  classifyAnthropic({ status, body: text, headers: new Headers(headers) })

describe("classifyAnthropic", () => {
  test("429 is rate limited, with retry-after", () => {
    const reason = classify(429, body("rate_limit_error", "Slow down"), { "retry-after": "30" })
    expect(reason).toMatchObject({ _tag: "UpstreamRateLimited", message: "Slow down", retryAfterMs: 30000 })
    expect(classify(429, body("rate_limit_error", "Slow down"))).toMatchObject({ retryAfterMs: null })
  })

  test("529 and other 5xx are unavailable, keeping the upstream status and message", () => {
    expect(classify(529, body("overloaded_error", "Overloaded"))).toMatchObject({
      _tag: "UpstreamUnavailable",
      upstreamStatus: 529,
      message: "Upstream error 529: Overloaded"
    })
    expect(classify(500, body("api_error", "Internal server error"))).toMatchObject({ _tag: "UpstreamUnavailable", upstreamStatus: 500 })
    expect(classify(504, body("timeout_error", "Request timed out"))).toMatchObject({ _tag: "UpstreamUnavailable", upstreamStatus: 504 })
  })

  test("other 4xx are rejected with their status and message, the type in OpenAI's naming", () => {
    const cases: Array<[number, string, string, string | null]> = [
      [400, "invalid_request_error", "invalid_request_error", null],
      [401, "authentication_error", "authentication_error", "invalid_api_key"],
      [403, "permission_error", "permission_error", null],
      [404, "not_found_error", "invalid_request_error", "not_found"],
      [413, "request_too_large", "invalid_request_error", "request_too_large"],
      [402, "billing_error", "billing_error", null]
    ]
    for (const [status, anthropicType, type, code] of cases) {
      expect(classify(status, body(anthropicType, `msg ${status}`))).toMatchObject({
        _tag: "UpstreamRejected",
        status,
        message: `msg ${status}`,
        type,
        code,
        param: null
      })
    }
  })

  test("a body that is not Anthropic's error JSON still gives a message", () => {
    expect(classify(502, "<html><body>502 Bad Gateway</body></html>")).toMatchObject({
      _tag: "UpstreamUnavailable",
      message: "Upstream error 502: <html><body>502 Bad Gateway</body></html>"
    })
    expect(classify(401, "")).toMatchObject({ _tag: "UpstreamRejected", message: "Upstream answered 401", type: "authentication_error" })
    expect(classify(400, JSON.stringify({ message: "bad" }))).toMatchObject({ message: "bad", type: "invalid_request_error" })
  })

  test("a non-error status is a protocol error", () => {
    expect(classify(302, "")._tag).toBe("UpstreamProtocol")
  })
})
