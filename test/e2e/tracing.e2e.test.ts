import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import OpenAI from "openai"
import { type FakeUpstream, startFakeUpstream } from "../fake/upstream.ts"
import { basicConfig, devKey, singleAttempt, startGateway } from "./harness.ts"

interface OtlpAttribute { key: string; value: { stringValue?: string; intValue?: string; doubleValue?: number; boolValue?: boolean } }
interface OtlpSpan {
  traceId: string
  spanId: string
  parentSpanId?: string
  name: string
  kind: number
  startTimeUnixNano: string
  endTimeUnixNano: string
  attributes: Array<OtlpAttribute>
  status: { code: number; message?: string }
}

let fake: FakeUpstream
let collector: ReturnType<typeof Bun.serve>
const spans: Array<OtlpSpan> = []
const resources: Array<Array<OtlpAttribute>> = []

beforeAll(async () => {
  fake = await startFakeUpstream({ keys: ["sk-upstream-1"] })
  // A fake OTLP/HTTP collector: what the gateway exports, as JSON.
  collector = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: async (request) => {
      if (new URL(request.url).pathname !== "/v1/traces") return new Response("not found", { status: 404 })
      const body = (await request.json()) as { resourceSpans: Array<{ resource: { attributes: Array<OtlpAttribute> }; scopeSpans: Array<{ spans: Array<OtlpSpan> }> }> }
      for (const resource of body.resourceSpans) {
        resources.push(resource.resource.attributes)
        for (const scope of resource.scopeSpans) spans.push(...scope.spans)
      }
      return Response.json({})
    }
  })
})

afterAll(async () => {
  await collector?.stop(true)
  await fake?.stop()
})

const attributes = (span: OtlpSpan) =>
  Object.fromEntries(span.attributes.map(({ key, value }) => [key, value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : value.doubleValue ?? value.boolValue)]))

const traceId = "4bf92f3577b34da6a3ce929d0e0e4736"
const parentId = "00f067aa0ba902b7"

describe("OpenTelemetry traces over OTLP/HTTP", () => {
  test("a server span per request and a client span per upstream attempt, with GenAI attributes, in the caller's trace", async () => {
    const gateway = await startGateway({
      config: `${basicConfig(fake.url)}${singleAttempt}\ntelemetry: { otlp_endpoint: "http://127.0.0.1:${collector.port}", export_interval_ms: 60000, service_name: sluice-test }\n`
    })
    const client = new OpenAI({ baseURL: gateway.baseURL, apiKey: devKey, maxRetries: 0 })
    await client.chat.completions.create(
      { model: "gpt-4o-mini", messages: [{ role: "user", content: "trace me" }] },
      { headers: { traceparent: `00-${traceId}-${parentId}-01`, "x-request-id": "traced-1" } }
    )
    fake.script("gpt-4o-mini", { status: 500 }, 1)
    await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "fail" }] }, { headers: { "x-request-id": "traced-2" } }).catch(() => {})
    // The export interval is a minute: a graceful stop must flush what is buffered.
    expect(await gateway.stop()).toBe(0)

    const server = spans.find((s) => attributes(s)["sluice.request_id"] === "traced-1")!
    expect(server).toBeDefined()
    expect(server).toMatchObject({ traceId, parentSpanId: parentId, name: "chat gpt-4o-mini", kind: 2, status: { code: 1 } })
    const serverAttributes = attributes(server)
    expect(serverAttributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "gpt-4o-mini",
      "gen_ai.provider.name": "openai-compatible",
      "http.response.status_code": 200,
      "sluice.key": "dev"
    })
    expect(serverAttributes["gen_ai.usage.input_tokens"]).toBeGreaterThan(0)
    expect(serverAttributes["gen_ai.usage.output_tokens"]).toBeGreaterThan(0)

    const attempt = spans.find((s) => s.parentSpanId === server.spanId)!
    expect(attempt).toMatchObject({ traceId, kind: 3, name: "chat gpt-4o-mini" })
    expect(attributes(attempt)).toMatchObject({ "server.address": "127.0.0.1", "server.port": fake.port })
    expect(BigInt(attempt.startTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(server.startTimeUnixNano))
    expect(BigInt(attempt.endTimeUnixNano)).toBeLessThanOrEqual(BigInt(server.endTimeUnixNano))

    const failed = spans.find((s) => attributes(s)["sluice.request_id"] === "traced-2")!
    expect(failed.status.code).toBe(2)
    expect(failed.traceId).toMatch(/^[0-9a-f]{32}$/)
    expect(failed.traceId).not.toBe(traceId)
    expect(attributes(failed)["error.type"]).toBe("502")

    expect(resources.some((r) => r.some((a) => a.key === "service.name" && a.value.stringValue === "sluice-test"))).toBe(true)
  })
})
