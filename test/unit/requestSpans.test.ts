import { describe, expect, test } from "bun:test"
import type { LedgerRow } from "../../src/db/schema.ts"
import { parseTraceparent } from "../../src/services/Tracing.ts"
import { requestSpans } from "../../src/telemetry/requestSpans.ts"

const row: LedgerRow = {
  requestId: "r1",
  ts: 0,
  keyName: "dev",
  endpoint: "messages",
  model: "claude",
  provider: "anth",
  upstreamModel: "claude-sonnet",
  stream: true,
  status: 200,
  error: null,
  promptTokens: 10,
  completionTokens: 5,
  cachedTokens: 0,
  usageSource: "reported",
  costUsd: 0.001,
  unpriced: false,
  latencyMs: 12,
  ttftMs: 3
}

describe("parseTraceparent", () => {
  test("accepts W3C version 00 and refuses the rest", () => {
    expect(parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
      .toEqual({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736", parentSpanId: "00f067aa0ba902b7" })
    for (const bad of [null, "", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "00-00000000000000000000000000000000-00f067aa0ba902b7-01", "00-XYZ-00f067aa0ba902b7-01"]) {
      expect(parseTraceparent(bad)).toBeUndefined()
    }
  })
})

describe("requestSpans", () => {
  test("a request that never reached an upstream is one span; an Anthropic surface is a chat operation", () => {
    const spans = requestSpans({ row, traceparent: null, providerType: "anthropic", upstreamUrl: undefined, startedAt: 1000, sentAt: undefined, endedAt: 1012.5 })
    expect(spans).toHaveLength(1)
    expect(spans[0]).toMatchObject({ name: "chat claude", kind: 2, startMs: 1000, endMs: 1012.5, error: undefined })
    expect(spans[0]!.attributes).toMatchObject({ "gen_ai.operation.name": "chat", "gen_ai.provider.name": "anthropic", "gen_ai.usage.input_tokens": 10 })
  })

  test("an upstream attempt is a client span under the server span, naming the upstream's model and host", () => {
    const [server, attempt] = requestSpans({
      row: { ...row, status: 502, error: "Upstream error 500" },
      traceparent: null,
      providerType: "gemini",
      upstreamUrl: "https://generativelanguage.googleapis.com/v1beta/models/x:generateContent",
      startedAt: 1000,
      sentAt: 1001,
      endedAt: 1050
    })
    expect(attempt).toMatchObject({ traceId: server!.traceId, parentSpanId: server!.spanId, kind: 3, name: "chat claude-sonnet", error: "Upstream error 500" })
    expect(attempt!.attributes).toMatchObject({ "server.address": "generativelanguage.googleapis.com", "server.port": 443, "gen_ai.provider.name": "gcp.gemini" })
    expect(server!.attributes["error.type"]).toBe("502")
  })
})
