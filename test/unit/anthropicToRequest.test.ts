import { describe, expect, test } from "bun:test"
import { Redacted } from "effect"
import { anthropic } from "../../src/providers/anthropic.ts"
import type { Endpoint, JsonObject, RequestSpec } from "../../src/providers/Provider.ts"

const spec = (fields: {
  endpoint?: Endpoint
  body?: JsonObject | undefined
  baseUrl?: string | undefined
  key?: string
  headers?: Record<string, string>
  clientHeaders?: Record<string, string>
} = {}): RequestSpec => ({
  endpoint: fields.endpoint ?? "chat",
  body: "body" in fields ? fields.body : { model: "claude-sonnet-4-5", max_tokens: 10, messages: [] },
  stream: false,
  target: {
    provider: { name: "a", type: "anthropic", baseUrl: "baseUrl" in fields ? fields.baseUrl : "https://api.anthropic.com", headers: fields.headers ?? {} },
    key: Redacted.make(fields.key ?? "sk-ant-test"),
    upstreamModel: "claude-sonnet-4-5"
  },
  clientHeaders: new Headers(fields.clientHeaders)
})

describe("anthropic provider", () => {
  test("is the anthropic dialect with its defaults and endpoints", () => {
    expect(anthropic.dialect).toBe("anthropic")
    expect(anthropic.defaultBaseUrl).toBe("https://api.anthropic.com")
    expect(anthropic.requiresKey).toBe(true)
    expect([...anthropic.endpoints].sort()).toEqual(["chat", "count_tokens", "models"])
  })
})

describe("anthropic.toRequest", () => {
  test("a base URL with or without a trailing slash or its /v1 reaches /v1/messages", () => {
    for (const baseUrl of ["https://proxy.test", "https://proxy.test/", "https://proxy.test/v1", "https://proxy.test/v1/"]) {
      expect(anthropic.toRequest(spec({ baseUrl })).url).toBe("https://proxy.test/v1/messages")
    }
  })

  test("without a configured base URL the default is used", () => {
    expect(anthropic.toRequest(spec({ baseUrl: undefined })).url).toBe("https://api.anthropic.com/v1/messages")
  })

  test("count_tokens and models have their paths; models is a GET without a body", () => {
    const count = anthropic.toRequest(spec({ endpoint: "count_tokens" }))
    expect(count.url).toBe("https://api.anthropic.com/v1/messages/count_tokens")
    expect(count.method).toBe("POST")
    const models = anthropic.toRequest(spec({ endpoint: "models", body: undefined }))
    expect(models).toMatchObject({ url: "https://api.anthropic.com/v1/models", method: "GET", body: undefined })
    expect("content-type" in models.headers).toBe(false)
  })

  test("the body is sent as given", () => {
    const body = { model: "claude-sonnet-4-5", max_tokens: 5, messages: [{ role: "user", content: "hi" }], stream: true }
    expect(JSON.parse(anthropic.toRequest(spec({ body })).body!)).toEqual(body)
  })

  test("headers: the provider's, content type, x-api-key and the default version; no beta unless sent", () => {
    expect(anthropic.toRequest(spec({ key: "sk-ant-1", headers: { "x-team": "a" } })).headers).toEqual({
      "x-team": "a",
      "content-type": "application/json",
      "x-api-key": "sk-ant-1",
      "anthropic-version": "2023-06-01"
    })
  })

  test("the client's anthropic-version and anthropic-beta are forwarded", () => {
    const headers = anthropic.toRequest(spec({
      clientHeaders: { "anthropic-version": "2024-01-01", "anthropic-beta": "prompt-caching-2024-07-31", "x-other": "no" }
    })).headers
    expect(headers["anthropic-version"]).toBe("2024-01-01")
    expect(headers["anthropic-beta"]).toBe("prompt-caching-2024-07-31")
    expect("x-other" in headers).toBe(false)
  })

  test("a version set in the provider's headers holds unless the client sends one", () => {
    const configured = { "anthropic-version": "2023-01-01" }
    expect(anthropic.toRequest(spec({ headers: configured })).headers["anthropic-version"]).toBe("2023-01-01")
    expect(anthropic.toRequest(spec({ headers: configured, clientHeaders: { "anthropic-version": "2023-06-01" } })).headers["anthropic-version"])
      .toBe("2023-06-01")
  })
})
