import { describe, expect, test } from "bun:test"
import { gemini } from "../../src/providers/gemini.ts"

const classify = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  gemini.classify({ status, body: typeof body === "string" ? body : JSON.stringify(body), headers: new Headers(headers) })

const googleError = (code: number, status: string, message: string, details?: Array<unknown>) =>
  ({ error: { code, message, status, ...(details === undefined ? {} : { details }) } })

describe("gemini classify", () => {
  test("rate limits: retry-after header first, else RetryInfo's retryDelay", () => {
    const retry = (delay: string) => [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: delay }]
    expect(classify(429, googleError(429, "RESOURCE_EXHAUSTED", "quota", retry("1.5s")))).toMatchObject({
      _tag: "UpstreamRateLimited",
      message: "quota",
      retryAfterMs: 1500
    })
    expect(classify(429, googleError(429, "RESOURCE_EXHAUSTED", "quota", retry("30s")), { "retry-after": "2" })).toMatchObject({ retryAfterMs: 2000 })
    expect(classify(429, googleError(429, "RESOURCE_EXHAUSTED", "quota"))).toMatchObject({ retryAfterMs: null })
    expect(classify(429, googleError(429, "RESOURCE_EXHAUSTED", "quota", retry("soon")))).toMatchObject({ retryAfterMs: null })
  })

  test("a bad key is a 400 to Gemini and a 401 to the client; 401 and 403 keep their meaning", () => {
    const badKey = googleError(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", [
      { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID", domain: "googleapis.com" }
    ])
    expect(classify(400, badKey)).toMatchObject({ _tag: "UpstreamRejected", status: 401, type: "authentication_error", message: "API key not valid. Please pass a valid API key." })
    expect(classify(401, googleError(401, "UNAUTHENTICATED", "no"))).toMatchObject({ status: 401, type: "authentication_error", code: "UNAUTHENTICATED" })
    expect(classify(403, googleError(403, "PERMISSION_DENIED", "denied"))).toMatchObject({ status: 403, type: "permission_error" })
  })

  test("other 4xx are rejections with Google's status as the code", () => {
    expect(classify(400, googleError(400, "INVALID_ARGUMENT", "bad"))).toMatchObject({
      _tag: "UpstreamRejected",
      status: 400,
      type: "invalid_request_error",
      code: "INVALID_ARGUMENT",
      param: null,
      message: "bad"
    })
    expect(classify(404, googleError(404, "NOT_FOUND", "no model"))).toMatchObject({ status: 404, type: "not_found_error" })
    expect(classify(413, "")).toMatchObject({ status: 413, type: "invalid_request_error", message: "Gemini answered 413" })
  })

  test("5xx are unavailability, whatever the body", () => {
    expect(classify(503, googleError(503, "UNAVAILABLE", "The model is overloaded."))).toMatchObject({
      _tag: "UpstreamUnavailable",
      upstreamStatus: 503,
      message: "Upstream error 503: The model is overloaded."
    })
    expect(classify(502, "<html><head><title>Error 502 (Server Error)!!1</title></head></html>")).toMatchObject({
      message: "Upstream error 502: Error 502 (Server Error)!!1"
    })
    expect(classify(500, "upstream connect error")).toMatchObject({ message: "Upstream error 500: upstream connect error" })
  })

  test("an error wrapped in an array (streaming without alt=sse) is read too", () => {
    expect(classify(429, [googleError(429, "RESOURCE_EXHAUSTED", "quota")])).toMatchObject({ _tag: "UpstreamRateLimited", message: "quota" })
  })

  test("an unexpected status is a protocol error", () => {
    expect(classify(302, "moved")._tag).toBe("UpstreamProtocol")
  })
})
