import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import Anthropic from "@anthropic-ai/sdk"
import type { MessageCreateParams, Tool } from "@anthropic-ai/sdk/resources/messages/messages"
import { type FakeUpstream, startFakeUpstream } from "../fake/upstream.ts"
import { devKey, polyglotConfig, polyglotUpstreamKeys, type RunningGateway, startGateway } from "./harness.ts"

// The `@anthropic-ai/sdk` client (and a Claude Code-style request) against OpenAI-compatible, Gemini and
// Anthropic upstreams: translated for the first two, passed through for the third. Errors in Anthropic's shape.

let fake: FakeUpstream
let gateway: RunningGateway
let client: Anthropic

beforeAll(async () => {
  fake = await startFakeUpstream({ keys: polyglotUpstreamKeys })
  gateway = await startGateway({ config: polyglotConfig(fake) })
  // The SDK sends the key as `x-api-key`, as Claude Code does.
  client = new Anthropic({ baseURL: gateway.url, apiKey: devKey, maxRetries: 0 })
})

afterAll(async () => {
  await gateway?.stop()
  await fake?.stop()
})

let sequence = 0
const nextId = () => `anth-client-${++sequence}`
const withId = (id: string) => ({ headers: { "x-request-id": id } })

const tools: Array<Tool> = [
  { name: "get_weather", description: "Weather for a city", input_schema: { type: "object", properties: { city: { type: "string" } } } },
  { name: "get_time", input_schema: { type: "object", properties: { tz: { type: "string" } } } }
]
const twoCalls = [
  { name: "get_weather", arguments: { city: "Paris" } },
  { name: "get_time", arguments: { tz: "Europe/Paris", format: { h24: true } } }
]

/** What Claude Code sends: system blocks with cache_control, tools, streaming, beta headers, metadata. */
const claudeCodeRequest = (model: string): MessageCreateParams => ({
  model,
  max_tokens: 32000,
  stream: true,
  metadata: { user_id: "user_abc_account_123_session_456" },
  system: [
    { type: "text", text: "You are Claude Code, Anthropic's official CLI for Claude." },
    { type: "text", text: "Working directory: /repo", cache_control: { type: "ephemeral" } }
  ],
  tools,
  messages: [
    { role: "user", content: [{ type: "text", text: "What's the weather in Paris?", cache_control: { type: "ephemeral" } }] },
    { role: "assistant", content: [{ type: "text", text: "Let me check." }, { type: "tool_use", id: "toolu_01A", name: "get_weather", input: { city: "Paris" } }] },
    { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_01A", content: "21C and sunny" }] }
  ]
})
const betaHeaders = { "anthropic-beta": "claude-code-20250219,interleaved-thinking-2025-05-14" }

describe("Anthropic SDK → OpenAI-compatible upstream", () => {
  test("a message is answered in Anthropic's shape and recorded with its usage", async () => {
    const id = nextId()
    const message = await client.messages.create({
      model: "gpt-4o-mini",
      max_tokens: 100,
      system: "Be brief.",
      messages: [{ role: "user", content: "ECHO: ciao" }]
    }, withId(id))
    expect(message.type).toBe("message")
    expect(message.content).toHaveLength(1)
    expect(message.content[0]).toMatchObject({ type: "text", text: "ciao" })
    expect(message.stop_reason).toBe("end_turn")
    const sent = fake.last()!
    expect(sent.path).toBe("/v1/chat/completions")
    expect(sent.headers.authorization).toBe("Bearer sk-upstream-1")
    expect(sent.body).toMatchObject({ model: "gpt-4o-mini", max_tokens: 100, messages: [{ role: "system", content: "Be brief." }, { role: "user" }] })
    const row = await gateway.rowFor(id)
    expect(row).toMatchObject({ endpoint: "messages", provider: "oa", status: 200, usage_source: "reported" })
    expect(row.completion_tokens).toBe(message.usage.output_tokens)
  })

  test("a Claude Code-style streamed request with tools works unchanged and gets parallel tool_use blocks", async () => {
    fake.script("gpt-4o-mini", { toolCalls: twoCalls }, 1)
    const id = nextId()
    const stream = client.messages.stream({ ...claudeCodeRequest("gpt-4o-mini"), stream: undefined } as never, { headers: { ...betaHeaders, "x-request-id": id } })
    const final = await stream.finalMessage()
    expect(final.stop_reason).toBe("tool_use")
    const uses = final.content.filter((block) => block.type === "tool_use")
    expect(uses.map((u) => [u.name, u.input])).toEqual(twoCalls.map((c) => [c.name, c.arguments]))
    expect(new Set(uses.map((u) => u.id)).size).toBe(2)
    const sent = fake.last()!.body as { messages: Array<Record<string, unknown>>; tools: Array<{ function: { name: string } }>; stream: boolean }
    expect(sent.stream).toBe(true)
    expect(sent.tools.map((t) => t.function.name)).toEqual(["get_weather", "get_time"])
    expect(sent.messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "tool"])
    expect(sent.messages[3]).toMatchObject({ role: "tool", tool_call_id: "toolu_01A", content: "21C and sunny" })
    const row = await gateway.rowFor(id)
    expect(row).toMatchObject({ status: 200, stream: 1, usage_source: "reported" })
    expect(row.completion_tokens).toBe(final.usage.output_tokens)
  })

  test("count_tokens is estimated locally for a non-Anthropic upstream", async () => {
    const before = fake.requests.length
    const count = await client.messages.countTokens({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hello there, how are you?" }] })
    expect(count.input_tokens).toBeGreaterThan(0)
    expect(fake.requests.length).toBe(before)
  })

  test("errors come back in Anthropic's shape, as the SDK's typed errors", async () => {
    const bad = new Anthropic({ baseURL: gateway.url, apiKey: "sk-wrong", maxRetries: 0 })
    const unauthorized = await bad.messages.create({ model: "gpt-4o-mini", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e)
    expect(unauthorized).toBeInstanceOf(Anthropic.AuthenticationError)
    expect((unauthorized as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: "error", error: { type: "authentication_error" } })

    const unknown = await client.messages.create({ model: "no-such-model", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e)
    expect(unknown).toBeInstanceOf(Anthropic.NotFoundError)
    expect((unknown as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: "error", error: { type: "not_found_error" } })

    // top_k has no OpenAI equivalent (a variable, since this SDK's types no longer list it).
    const withTopK = { model: "gpt-4o-mini", max_tokens: 10, top_k: 5, messages: [{ role: "user" as const, content: "hi" }] }
    const unsupported = await client.messages.create(withTopK).catch((e: unknown) => e)
    expect(unsupported).toBeInstanceOf(Anthropic.BadRequestError)
    expect((unsupported as Error).message).toContain("top_k")
  })

  test("an upstream stream cut mid-way ends with an Anthropic error event", async () => {
    fake.script("gpt-4o-mini", { cutAfterChunks: 2 }, 1)
    const id = nextId()
    const stream = client.messages.stream({ model: "gpt-4o-mini", max_tokens: 50, messages: [{ role: "user", content: "hi" }] }, withId(id))
    const error = await stream.finalMessage().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Anthropic.APIError)
    expect((await gateway.rowFor(id)).status).toBe(502)
  })
})

describe("Anthropic SDK → Gemini upstream", () => {
  test("streamed function calls arrive as tool_use blocks with ids Anthropic clients accept", async () => {
    fake.script("gemini-2.5-flash", { toolCalls: twoCalls }, 1)
    const final = await client.messages.stream({ model: "gemini-2.5-flash", max_tokens: 200, tools, messages: [{ role: "user", content: "weather and time" }] }).finalMessage()
    const uses = final.content.filter((block) => block.type === "tool_use")
    expect(uses.map((u) => [u.name, u.input])).toEqual(twoCalls.map((c) => [c.name, c.arguments]))
    for (const use of uses) expect(use.id).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(final.stop_reason).toBe("tool_use")
  })
})

describe("Anthropic SDK → Anthropic upstream (passthrough)", () => {
  test("a Claude Code stream passes through: body untouched, beta and version headers forwarded, usage recorded", async () => {
    fake.script("claude-test-1", { toolCalls: twoCalls, cachedTokens: 5 }, 1)
    const id = nextId()
    const request = claudeCodeRequest("claude-test-1")
    const headers = { ...betaHeaders, "anthropic-version": "2024-01-01", "x-request-id": id }
    const stream = client.messages.stream({ ...request, stream: undefined } as never, { headers })
    const final = await stream.finalMessage()
    expect(final.content.filter((b) => b.type === "tool_use").map((u) => u.input)).toEqual(twoCalls.map((c) => c.arguments))
    expect(final.usage.cache_read_input_tokens).toBe(5)
    const sent = fake.last()!
    expect(sent.headers["x-api-key"]).toBe("sk-ant-upstream")
    expect(sent.headers["anthropic-beta"]).toBe(betaHeaders["anthropic-beta"])
    expect(sent.headers["anthropic-version"]).toBe("2024-01-01")
    // cache_control and metadata reach Anthropic as the client sent them.
    expect(sent.body).toMatchObject({ system: request.system, metadata: request.metadata, messages: request.messages, stream: true })
    const row = await gateway.rowFor(id)
    expect(row).toMatchObject({ provider: "claude", status: 200, usage_source: "reported", cached_tokens: 5 })
    expect(row.completion_tokens).toBe(final.usage.output_tokens)
    expect(row.prompt_tokens).toBe(final.usage.input_tokens + 5)
  })

  test("count_tokens is Anthropic's own answer", async () => {
    const count = await client.messages.countTokens({ model: "claude-test-1", messages: [{ role: "user", content: "Hello" }] })
    expect(count.input_tokens).toBeGreaterThan(0)
    expect(fake.last()!.path).toBe("/v1/messages/count_tokens")
  })

  test("Anthropic's own errors keep their message", async () => {
    fake.script("claude-test-1", { status: 400, body: { type: "error", error: { type: "invalid_request_error", message: "messages.0.content: empty" } } }, 1)
    const error = await client.messages.create({ model: "claude-test-1", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Anthropic.BadRequestError)
    expect((error as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ error: { type: "invalid_request_error", message: "messages.0.content: empty" } })
  })
})
