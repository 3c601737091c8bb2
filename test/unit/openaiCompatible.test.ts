import { describe, expect, test } from "bun:test"
import { Redacted } from "effect"
import type { Reason } from "../../src/domain/GatewayError.ts"
import type { Endpoint, JsonObject, RequestSpec, Target } from "../../src/providers/Provider.ts"
import { classifyOpenAi, openaiCompatible, retryAfterMs } from "../../src/providers/openaiCompatible.ts"

const target = (fields: { baseUrl?: string | undefined; key?: string; headers?: Record<string, string> } = {}): Target => ({
  provider: {
    name: "p1",
    type: "openai-compatible",
    baseUrl: "baseUrl" in fields ? fields.baseUrl : "https://upstream.test/v1",
    headers: fields.headers ?? {}
  },
  key: fields.key === undefined ? undefined : Redacted.make(fields.key),
  upstreamModel: "m"
})

const spec = (endpoint: Endpoint, body: JsonObject | undefined, t: Target): RequestSpec =>
  ({ endpoint, body, target: t, stream: false, clientHeaders: new Headers() })

const adapter = openaiCompatible()

describe("openaiCompatible.toRequest", () => {
  test("joins the base URL and the endpoint path, with or without trailing slashes", () => {
    for (const baseUrl of ["https://upstream.test/v1", "https://upstream.test/v1/", "https://upstream.test/v1//"]) {
      expect(adapter.toRequest(spec("chat", { model: "m" }, target({ baseUrl }))).url).toBe("https://upstream.test/v1/chat/completions")
    }
  })

  test("each endpoint has its OpenAI path", () => {
    const t = target()
    expect(adapter.toRequest(spec("chat", {}, t)).url).toBe("https://upstream.test/v1/chat/completions")
    expect(adapter.toRequest(spec("completions", {}, t)).url).toBe("https://upstream.test/v1/completions")
    expect(adapter.toRequest(spec("embeddings", {}, t)).url).toBe("https://upstream.test/v1/embeddings")
    expect(adapter.toRequest(spec("models", undefined, t)).url).toBe("https://upstream.test/v1/models")
  })

  test("without a configured base URL the preset's default is used", () => {
    const preset = openaiCompatible({ baseUrl: "https://preset.test/api/" })
    expect(preset.defaultBaseUrl).toBe("https://preset.test/api/")
    expect(preset.toRequest(spec("chat", {}, target({ baseUrl: undefined }))).url).toBe("https://preset.test/api/chat/completions")
    expect(preset.toRequest(spec("chat", {}, target({ baseUrl: "https://own.test" }))).url).toBe("https://own.test/chat/completions")
  })

  test("the key is sent as a Bearer token", () => {
    const request = adapter.toRequest(spec("chat", { model: "m" }, target({ key: "sk-up" })))
    expect(request.headers.authorization).toBe("Bearer sk-up")
  })

  test("no key, no authorization header", () => {
    const request = adapter.toRequest(spec("chat", { model: "m" }, target()))
    expect("authorization" in request.headers).toBe(false)
  })

  test("the provider's extra headers are sent along", () => {
    const request = adapter.toRequest(spec("chat", { model: "m" }, target({ key: "sk", headers: { "x-org": "acme", "HTTP-Referer": "https://me" } })))
    expect(request.headers).toEqual({
      "x-org": "acme",
      "HTTP-Referer": "https://me",
      "content-type": "application/json",
      authorization: "Bearer sk"
    })
  })

  test("the provider's headers are not mutated", () => {
    const headers = { "x-org": "acme" }
    adapter.toRequest(spec("chat", { model: "m" }, target({ key: "sk", headers })))
    expect(headers).toEqual({ "x-org": "acme" })
  })

  test("POST with the JSON of the given body", () => {
    const body = { model: "vendor-m", messages: [{ role: "user", content: "hé \"quoted\"" }], stream: true, extra: { a: [1, null] } }
    const request = adapter.toRequest(spec("chat", body, target()))
    expect(request.method).toBe("POST")
    expect(request.body).toBe(JSON.stringify(body))
    expect(request.headers["content-type"]).toBe("application/json")
  })

  test("models is a GET with no body and no content type", () => {
    const request = adapter.toRequest(spec("models", undefined, target({ key: "sk" })))
    expect(request.method).toBe("GET")
    expect(request.body).toBeUndefined()
    expect("content-type" in request.headers).toBe(false)
    expect(request.headers.authorization).toBe("Bearer sk")
  })

  test("requiresKey defaults to false and follows the option", () => {
    expect(openaiCompatible().requiresKey).toBe(false)
    expect(openaiCompatible({ requiresKey: true }).requiresKey).toBe(true)
    expect(adapter.dialect).toBe("openai")
    expect(adapter.classify).toBe(classifyOpenAi)
  })
})

const classify = (status: number, body: unknown, headers: Record<string, string> = {}): Reason =>
  classifyOpenAi({ status, body: typeof body === "string" ? body : JSON.stringify(body), headers: new Headers(headers) })

const openAiError = (message: string, type: string | null, param: string | null, code: string | null) =>
  ({ error: { message, type, param, code } })

describe("classifyOpenAi", () => {
  test("429 is UpstreamRateLimited with the upstream's message and retry-after in ms", () => {
    const reason = classify(429, openAiError("Rate limit reached for gpt-4o", "requests", null, "rate_limit_exceeded"), { "retry-after": "3" })
    if (reason._tag !== "UpstreamRateLimited") throw new Error(`got ${reason._tag}`)
    expect(reason.message).toBe("Rate limit reached for gpt-4o")
    expect(reason.retryAfterMs).toBe(3000)
    expect(reason.status).toBe(429)
    expect(reason.retryable).toBe(true)
  })

  test("429 with retry-after-ms, an HTTP date, or nothing", () => {
    const ms = classify(429, "{}", { "retry-after-ms": "250" })
    if (ms._tag !== "UpstreamRateLimited") throw new Error(`got ${ms._tag}`)
    expect(ms.retryAfterMs).toBe(250)
    expect(ms.message).toBe("Upstream answered 429")

    const date = classify(429, "{}", { "retry-after": new Date(Date.now() + 30_000).toUTCString() })
    if (date._tag !== "UpstreamRateLimited") throw new Error(`got ${date._tag}`)
    expect(date.retryAfterMs).toBeGreaterThan(28_000)
    expect(date.retryAfterMs).toBeLessThanOrEqual(30_000)

    const none = classify(429, "{}")
    if (none._tag !== "UpstreamRateLimited") throw new Error(`got ${none._tag}`)
    expect(none.retryAfterMs).toBeNull()
  })

  test("400 is UpstreamRejected keeping status, message, type, param and code", () => {
    const reason = classify(400, openAiError("Invalid value for 'temperature'", "invalid_request_error", "temperature", "invalid_value"))
    expect(reason).toMatchObject({
      _tag: "UpstreamRejected",
      status: 400,
      message: "Invalid value for 'temperature'",
      type: "invalid_request_error",
      param: "temperature",
      code: "invalid_value"
    })
    expect(reason.retryable).toBe(false)
  })

  test("401 and 404 are UpstreamRejected with their own status", () => {
    expect(classify(401, openAiError("Incorrect API key provided: sk-...", "invalid_request_error", null, "invalid_api_key"))).toMatchObject({
      _tag: "UpstreamRejected",
      status: 401,
      message: "Incorrect API key provided: sk-...",
      type: "invalid_request_error",
      param: null,
      code: "invalid_api_key"
    })
    expect(classify(404, openAiError("The model 'x' does not exist", "invalid_request_error", "model", "model_not_found"))).toMatchObject({
      _tag: "UpstreamRejected",
      status: 404,
      param: "model",
      code: "model_not_found"
    })
  })

  test("a missing type defaults by status", () => {
    expect(classify(401, { error: { message: "no" } })).toMatchObject({ status: 401, type: "authentication_error", param: null, code: null })
    expect(classify(404, { error: { message: "no" } })).toMatchObject({ status: 404, type: "invalid_request_error" })
    expect(classify(422, { error: { message: "no" } })).toMatchObject({ _tag: "UpstreamRejected", status: 422, type: "invalid_request_error" })
  })

  test("a numeric code is kept as text", () => {
    expect(classify(400, { error: { message: "bad", code: 1214 } })).toMatchObject({ code: "1214" })
  })

  test("the `{\"error\":\"text\"}`, `{\"message\":…}` and `{\"detail\":…}` variants", () => {
    expect(classify(400, { error: "model is required" })).toMatchObject({ message: "model is required", type: "invalid_request_error" })
    expect(classify(400, { message: "bad input", type: "validation", code: "E1" })).toMatchObject({
      message: "bad input",
      type: "validation",
      code: "E1"
    })
    expect(classify(422, { detail: "Field required" })).toMatchObject({ message: "Field required" })
  })

  test("a JSON body without any message falls back to the status", () => {
    expect(classify(400, { error: { type: "x" } })).toMatchObject({ message: "Upstream answered 400", type: "x" })
    expect(classify(400, [1, 2])).toMatchObject({ message: "Upstream answered 400" })
    expect(classify(400, "null")).toMatchObject({ message: "Upstream answered 400" })
  })

  test("a non-JSON body is the message, cut to 500 characters", () => {
    expect(classify(403, "Forbidden by proxy")).toMatchObject({ _tag: "UpstreamRejected", status: 403, message: "Forbidden by proxy" })
    const long = "x".repeat(2_000)
    const reason = classify(400, long)
    expect(reason.message).toBe("x".repeat(500))
  })

  test("an empty body falls back to the status", () => {
    expect(classify(404, "")).toMatchObject({ message: "Upstream answered 404" })
  })

  test("500 and 503 are UpstreamUnavailable naming the status", () => {
    const internal = classify(500, openAiError("The server had an error", "server_error", null, null))
    if (internal._tag !== "UpstreamUnavailable") throw new Error(`got ${internal._tag}`)
    expect(internal.message).toBe("Upstream error 500: The server had an error")
    expect(internal.upstreamStatus).toBe(500)
    expect(internal.status).toBe(502)
    expect(internal.retryable).toBe(true)

    const unavailable = classify(503, "<html>Service Unavailable</html>")
    if (unavailable._tag !== "UpstreamUnavailable") throw new Error(`got ${unavailable._tag}`)
    expect(unavailable.message).toBe("Upstream error 503: <html>Service Unavailable</html>")
    expect(unavailable.upstreamStatus).toBe(503)

    expect(classify(502, "").message).toBe("Upstream error 502: Upstream answered 502")
  })

  test("a status that is no error at all is a protocol error", () => {
    expect(classify(302, "")).toMatchObject({ _tag: "UpstreamProtocol", message: "Unexpected upstream status 302" })
  })
})

const after = (headers: Record<string, string>) => retryAfterMs(new Headers(headers))

describe("retryAfterMs", () => {
  test("no header: null", () => {
    expect(after({})).toBeNull()
  })

  test("seconds, including zero and fractions", () => {
    expect(after({ "retry-after": "20" })).toBe(20_000)
    expect(after({ "retry-after": "0" })).toBe(0)
    expect(after({ "retry-after": "1.5" })).toBe(1_500)
  })

  test("negative seconds clamp to zero", () => {
    expect(after({ "retry-after": "-5" })).toBe(0)
  })

  test("an HTTP date in the future is the time until then; in the past, zero", () => {
    const future = after({ "retry-after": new Date(Date.now() + 120_000).toUTCString() })
    expect(future).toBeGreaterThan(118_000)
    expect(future).toBeLessThanOrEqual(120_000)
    expect(after({ "retry-after": "Wed, 21 Oct 2015 07:28:00 GMT" })).toBe(0)
  })

  test("retry-after-ms wins over retry-after", () => {
    expect(after({ "retry-after-ms": "1234", "retry-after": "20" })).toBe(1234)
    expect(after({ "retry-after-ms": "0.5" })).toBe(0.5)
  })

  test("a useless retry-after-ms falls back to retry-after", () => {
    expect(after({ "retry-after-ms": "0", "retry-after": "2" })).toBe(2_000)
    expect(after({ "retry-after-ms": "-1", "retry-after": "2" })).toBe(2_000)
    expect(after({ "retry-after-ms": "soon", "retry-after": "2" })).toBe(2_000)
    expect(after({ "retry-after-ms": "soon" })).toBeNull()
  })

  test("garbage is null", () => {
    expect(after({ "retry-after": "soon" })).toBeNull()
    expect(after({ "retry-after": "Infinity" })).toBeNull()
  })

  test("an empty retry-after is no hint (null), not 'retry now'", () => {
    expect(after({ "retry-after": "" })).toBeNull()
    expect(after({ "retry-after": "   " })).toBeNull()
  })
})
