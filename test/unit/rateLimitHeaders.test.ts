import { describe, expect, test } from "bun:test"
import { rateLimitHeaders, reportsExhaustion } from "../../src/domain/pool/rateLimitHeaders.ts"

const now = Date.parse("2025-06-01T12:00:00Z")
const observe = (headers: Record<string, string>) => rateLimitHeaders(new Headers(headers), now)

describe("rateLimitHeaders", () => {
  test("no headers, nothing observed", () => {
    expect(observe({ "content-type": "application/json" })).toEqual({})
  })

  test("OpenAI's x-ratelimit-* headers", () => {
    expect(
      observe({
        "x-ratelimit-limit-requests": "500",
        "x-ratelimit-remaining-requests": "499",
        "x-ratelimit-reset-requests": "120ms",
        "x-ratelimit-limit-tokens": "30000",
        "x-ratelimit-remaining-tokens": "29000",
        "x-ratelimit-reset-tokens": "6m0s"
      })
    ).toEqual({
      limitRequests: 500,
      remainingRequests: 499,
      resetRequestsMs: 120,
      limitTokens: 30_000,
      remainingTokens: 29_000,
      resetTokensMs: 360_000
    })
  })

  test.each([
    ["1s", 1000],
    ["20ms", 20],
    ["6m0s", 360_000],
    ["1h2m3.5s", 3_723_500],
    ["0.5s", 500],
    ["2m59.56s", 179_560],
    ["0s", 0],
    ["0", 0],
    ["1m", 60_000],
    ["1h", 3_600_000],
    [" 7s ", 7000]
  ])("duration %p is %p ms", (text, ms) => {
    expect(observe({ "x-ratelimit-reset-requests": text }).resetRequestsMs).toBeCloseTo(ms, 6)
  })

  test.each(["", "soon", "1", "5x", "1s garbage", "-1s", "s", "1.s", "NaN"])("duration %p is ignored", (text) => {
    expect(observe({ "x-ratelimit-reset-tokens": text }).resetTokensMs).toBeUndefined()
  })

  test.each(["", "many", "-3", "1e3", "12abc"])("count %p is ignored", (text) => {
    expect(observe({ "x-ratelimit-limit-requests": text, "x-ratelimit-remaining-tokens": text })).toEqual({})
  })

  test("Anthropic's requests and combined tokens headers, resets as RFC 3339 times", () => {
    expect(
      observe({
        "anthropic-ratelimit-requests-limit": "50",
        "anthropic-ratelimit-requests-remaining": "0",
        "anthropic-ratelimit-requests-reset": "2025-06-01T12:00:02Z",
        "anthropic-ratelimit-tokens-limit": "80000",
        "anthropic-ratelimit-tokens-remaining": "70000",
        "anthropic-ratelimit-tokens-reset": "2025-06-01T12:00:30.5+00:00"
      })
    ).toEqual({
      limitRequests: 50,
      remainingRequests: 0,
      resetRequestsMs: 2000,
      limitTokens: 80_000,
      remainingTokens: 70_000,
      resetTokensMs: 30_500
    })
  })

  test("Anthropic without combined tokens: the input limit, the remaining budget closest to exhaustion", () => {
    expect(
      observe({
        "anthropic-ratelimit-input-tokens-limit": "400000",
        "anthropic-ratelimit-input-tokens-remaining": "399000",
        "anthropic-ratelimit-input-tokens-reset": "2025-06-01T12:00:01Z",
        "anthropic-ratelimit-output-tokens-limit": "80000",
        "anthropic-ratelimit-output-tokens-remaining": "0",
        "anthropic-ratelimit-output-tokens-reset": "2025-06-01T12:00:45Z"
      })
    ).toEqual({ limitTokens: 400_000, remainingTokens: 0, resetTokensMs: 45_000 })
  })

  test("Anthropic: of two exhausted token budgets, the later reset", () => {
    expect(
      observe({
        "anthropic-ratelimit-tokens-remaining": "0",
        "anthropic-ratelimit-tokens-reset": "2025-06-01T12:00:05Z",
        "anthropic-ratelimit-output-tokens-remaining": "0",
        "anthropic-ratelimit-output-tokens-reset": "2025-06-01T12:00:09Z"
      })
    ).toEqual({ remainingTokens: 0, resetTokensMs: 9000 })
  })

  test("a reset already past is 0; malformed times are ignored", () => {
    expect(observe({ "anthropic-ratelimit-requests-reset": "2025-06-01T11:00:00Z" }).resetRequestsMs).toBe(0)
    for (const text of ["12", "tomorrow", "2025-06-01", "2025-06-01T12:00:02", "Sun, 01 Jun 2025 12:00:02 GMT"])
      expect(observe({ "anthropic-ratelimit-requests-reset": text }).resetRequestsMs).toBeUndefined()
  })

  test("retry-after in seconds or as an HTTP date, retry-after-ms first", () => {
    expect(observe({ "retry-after": "30" }).retryAfterMs).toBe(30_000)
    expect(observe({ "retry-after": "1.5" }).retryAfterMs).toBe(1500)
    expect(observe({ "retry-after": "Sun, 01 Jun 2025 12:00:07 GMT" }).retryAfterMs).toBe(7000)
    expect(observe({ "retry-after": "Sunday, 01-Jun-25 12:00:07 GMT" }).retryAfterMs).toBe(7000)
    expect(observe({ "retry-after": "Sun, 01 Jun 2025 11:00:00 GMT" }).retryAfterMs).toBe(0)
    expect(observe({ "retry-after-ms": "250", "retry-after": "1" }).retryAfterMs).toBe(250)
    expect(observe({ "retry-after-ms": "soon", "retry-after": "1" }).retryAfterMs).toBe(1000)
    for (const text of ["", "-1", "later", "12 GMT", "2025-06-01T12:00:07Z"])
      expect(observe({ "retry-after": text }).retryAfterMs).toBeUndefined()
  })

  test("OpenAI headers win over Anthropic ones when both are sent", () => {
    expect(
      observe({ "x-ratelimit-limit-requests": "10", "anthropic-ratelimit-requests-limit": "50" }).limitRequests
    ).toBe(10)
  })
})

describe("reportsExhaustion", () => {
  test.each([
    [{}, false],
    [{ "x-ratelimit-remaining-requests": "12", "x-ratelimit-remaining-tokens": "900" }, false],
    [{ "x-ratelimit-remaining-requests": "0", "x-ratelimit-remaining-tokens": "900" }, true],
    [{ "x-ratelimit-remaining-tokens": " 0 " }, true],
    [{ "anthropic-ratelimit-requests-remaining": "5", "anthropic-ratelimit-output-tokens-remaining": "0" }, true],
    [{ "anthropic-ratelimit-tokens-remaining": "10" }, false]
  ])("%j → %p", (headers, exhausted) => {
    expect(reportsExhaustion(new Headers(headers))).toBe(exhausted)
  })
})
