import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import OpenAI from "openai"
import type { ChatCompletionChunk, ChatCompletionMessageParam } from "openai/resources/chat/completions"
import { type FakeUpstream, startFakeUpstream } from "../fake/upstream.ts"
import { devKey, polyglotConfig, polyglotUpstreamKeys, type RunningGateway, startGateway } from "./harness.ts"

// The `openai` SDK against Anthropic and Gemini upstreams: requests, streams and errors are translated both ways.

let fake: FakeUpstream
let gateway: RunningGateway
let client: OpenAI

beforeAll(async () => {
  fake = await startFakeUpstream({ keys: polyglotUpstreamKeys })
  gateway = await startGateway({ config: polyglotConfig(fake) })
  client = new OpenAI({ baseURL: gateway.baseURL, apiKey: devKey, maxRetries: 0 })
})

afterAll(async () => {
  await gateway?.stop()
  await fake?.stop()
})

let sequence = 0
const nextId = () => `oa-client-${++sequence}`
const withId = (id: string) => ({ headers: { "x-request-id": id } })

const weatherTools = [
  { type: "function" as const, function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } },
  { type: "function" as const, function: { name: "get_time", parameters: { type: "object", properties: { tz: { type: "string" } } } } }
]
const twoCalls = [
  { name: "get_weather", arguments: { city: "Paris", units: { temp: "C" } } },
  { name: "get_time", arguments: { tz: "Europe/Paris" } }
]

/** Tool calls assembled from stream deltas the way SDK users do it, checking ids and names never change. */
const assembleToolCalls = (chunks: ReadonlyArray<ChatCompletionChunk>) => {
  const calls: Array<{ id: string; name: string; arguments: string }> = []
  for (const chunk of chunks) {
    for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
      const known = calls[delta.index]
      if (known === undefined) calls[delta.index] = { id: delta.id!, name: delta.function!.name!, arguments: delta.function?.arguments ?? "" }
      else {
        if (delta.id !== undefined) expect(delta.id).toBe(known.id)
        known.arguments += delta.function?.arguments ?? ""
      }
    }
  }
  return calls.map((call) => ({ ...call, arguments: JSON.parse(call.arguments) as unknown }))
}

const streamOf = async (model: string, messages: Array<ChatCompletionMessageParam>, id: string, extra: object = {}) => {
  const stream = await client.chat.completions.create(
    { model, messages, stream: true, stream_options: { include_usage: true }, tools: weatherTools, ...extra },
    withId(id)
  )
  const chunks: Array<ChatCompletionChunk> = []
  for await (const chunk of stream) chunks.push(chunk)
  return chunks
}

describe("openai SDK → Anthropic upstream", () => {
  test("a chat completion is sent as an Anthropic message and answered in OpenAI's shape, usage in the ledger", async () => {
    const id = nextId()
    const reply = await client.chat.completions.create({
      model: "claude-test-1",
      messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "ECHO: bonjour" }]
    }, withId(id))
    expect(reply.object).toBe("chat.completion")
    expect(reply.choices[0]!.message.content).toBe("bonjour")
    expect(reply.choices[0]!.finish_reason).toBe("stop")
    const sent = fake.last()!
    expect(sent.path).toBe("/v1/messages")
    expect(sent.headers["x-api-key"]).toBe("sk-ant-upstream")
    expect(sent.headers["anthropic-version"]).toBe("2023-06-01")
    expect(sent.body).toMatchObject({ model: "claude-test-1", system: "Be brief.", max_tokens: 4096 })
    const row = await gateway.rowFor(id)
    expect(row).toMatchObject({ provider: "claude", status: 200, usage_source: "reported", endpoint: "chat" })
    expect(row.prompt_tokens).toBe(reply.usage!.prompt_tokens)
    expect(row.completion_tokens).toBe(reply.usage!.completion_tokens)
    expect(row.cost_usd).toBeGreaterThan(0)
  })

  test("parallel tool calls stream with stable ids and complete arguments; cache reads reach the ledger", async () => {
    fake.script("claude-test-1", { toolCalls: twoCalls, cachedTokens: 3 }, 1)
    const id = nextId()
    const chunks = await streamOf("claude-test-1", [{ role: "user", content: "weather and time in Paris" }], id)
    const calls = assembleToolCalls(chunks)
    expect(calls.map((c) => [c.name, c.arguments])).toEqual(twoCalls.map((c) => [c.name, c.arguments]))
    expect(new Set(calls.map((c) => c.id)).size).toBe(2)
    expect(chunks.some((c) => c.choices[0]?.finish_reason === "tool_calls")).toBe(true)
    const usage = chunks.find((c) => c.usage)?.usage
    expect(usage?.prompt_tokens_details?.cached_tokens).toBe(3)
    const row = await gateway.rowFor(id)
    expect(row).toMatchObject({ status: 200, usage_source: "reported", cached_tokens: 3, stream: 1 })
    expect(row.prompt_tokens).toBe(usage!.prompt_tokens)
  })

  test("the tool results round trip: tool_use and tool_result blocks reach Anthropic with the same ids", async () => {
    await client.chat.completions.create({
      model: "claude-test-1",
      tools: weatherTools,
      messages: [
        { role: "user", content: "weather?" },
        { role: "assistant", content: null, tool_calls: [{ id: "toolu_01", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
        { role: "tool", tool_call_id: "toolu_01", content: "21C" }
      ]
    })
    const body = fake.last()!.body as { messages: Array<{ role: string; content: Array<Record<string, unknown>> }> }
    expect(body.messages[1]!.content[0]).toMatchObject({ type: "tool_use", id: "toolu_01", name: "get_weather", input: { city: "Paris" } })
    expect(body.messages[2]!.content[0]).toMatchObject({ type: "tool_result", tool_use_id: "toolu_01" })
  })

  test("a field Anthropic cannot express is a 400 naming it, and nothing is sent upstream", async () => {
    const before = fake.requests.length
    const error = await client.chat.completions
      .create({ model: "claude-test-1", messages: [{ role: "user", content: "hi" }], n: 2 })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("n")
    expect(fake.requests.length).toBe(before)
  })

  test("Anthropic's 429 becomes OpenAI's, with retry-after", async () => {
    fake.script("claude-rl", { status: 429, headers: { "retry-after": "7" } }, 1)
    const error = await client.chat.completions
      .create({ model: "claude-rl", messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.RateLimitError)
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers?.get("retry-after")).toBe("7")
  })

  test("an overloaded_error event mid-stream ends the OpenAI stream with an error, recorded as such", async () => {
    fake.script("claude-test-1", { streamError: { afterChunks: 2, type: "overloaded_error", message: "Overloaded" } }, 1)
    const id = nextId()
    const error = await streamOf("claude-test-1", [{ role: "user", content: "hi" }], id).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.APIError)
    expect(String((error as Error).message)).toContain("Overloaded")
    const row = await gateway.rowFor(id)
    expect(row.status).toBe(503)
    expect(row.usage_source).toBe("estimated")
  })

  test("a stream cut mid-way ends with an error event, never a silent success", async () => {
    fake.script("claude-test-1", { cutAfterChunks: 2 }, 1)
    const id = nextId()
    const error = await streamOf("claude-test-1", [{ role: "user", content: "hi" }], id).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.APIError)
    expect((await gateway.rowFor(id)).status).toBe(502)
  })
})

describe("openai SDK → Gemini upstream", () => {
  test("a chat completion becomes generateContent, with usage and cached tokens", async () => {
    fake.script("gemini-2.5-flash", { cachedTokens: 2 }, 1)
    const id = nextId()
    const reply = await client.chat.completions.create({
      model: "gemini-2.5-flash",
      messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "ECHO: hallo welt" }]
    }, withId(id))
    expect(reply.choices[0]!.message.content).toBe("hallo welt")
    expect(reply.usage?.prompt_tokens_details?.cached_tokens).toBe(2)
    const sent = fake.last()!
    expect(sent.path).toBe("/v1beta/models/gemini-2.5-flash:generateContent")
    expect(sent.headers["x-goog-api-key"]).toBe("gem-upstream-key")
    expect(sent.body).toMatchObject({ systemInstruction: { parts: [{ text: "Be brief." }] } })
    const row = await gateway.rowFor(id)
    expect(row).toMatchObject({ provider: "gem", status: 200, usage_source: "reported", cached_tokens: 2 })
  })

  test("streamed function calls carry their thought signatures into the next turn", async () => {
    fake.script("gemini-2.5-flash", { toolCalls: twoCalls }, 1)
    const id = nextId()
    const messages: Array<ChatCompletionMessageParam> = [{ role: "user", content: "weather and time" }]
    const chunks = await streamOf("gemini-2.5-flash", messages, id)
    expect(fake.last()!.path).toBe("/v1beta/models/gemini-2.5-flash:streamGenerateContent")
    const calls = assembleToolCalls(chunks)
    expect(calls.map((c) => [c.name, c.arguments])).toEqual(twoCalls.map((c) => [c.name, c.arguments]))
    for (const call of calls) expect(call.id).toMatch(/^[A-Za-z0-9_-]+$/)
    expect((await gateway.rowFor(id)).status).toBe(200)

    // The client replays the assistant turn with the ids it got, as every OpenAI client does.
    await client.chat.completions.create({
      model: "gemini-2.5-flash",
      tools: weatherTools,
      messages: [
        ...messages,
        { role: "assistant", content: null, tool_calls: calls.map((c) => ({ id: c.id, type: "function" as const, function: { name: c.name, arguments: JSON.stringify(c.arguments) } })) },
        ...calls.map((c) => ({ role: "tool" as const, tool_call_id: c.id, content: "ok" }))
      ]
    })
    const contents = (fake.last()!.body as { contents: Array<{ role: string; parts: Array<Record<string, unknown>> }> }).contents
    const model = contents.find((c) => c.role === "model")!
    expect(model.parts.map((p) => p.thoughtSignature)).toEqual([btoa("sig-get_weather"), btoa("sig-get_time")])
    const responses = contents.flatMap((c) => c.parts).filter((p) => p.functionResponse !== undefined)
    expect(responses.map((p) => (p.functionResponse as { name: string }).name)).toEqual(["get_weather", "get_time"])
  })

  test("Gemini's rejection of a bad request comes back as a 400 with its message", async () => {
    fake.script("gemini-2.5-flash", { status: 400, body: { error: { code: 400, message: "Invalid JSON payload received.", status: "INVALID_ARGUMENT" } } }, 1)
    const error = await client.chat.completions
      .create({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect((error as Error).message).toContain("Invalid JSON payload received.")
  })
})
