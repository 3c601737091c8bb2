import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import OpenAI from "openai"
import type { ResponseStreamEvent } from "openai/resources/responses/responses"
import { type FakeUpstream, startFakeUpstream } from "../fake/upstream.ts"
import { devKey, polyglotConfig, polyglotUpstreamKeys, type RunningGateway, startGateway } from "./harness.ts"

// The Responses API through the `openai` SDK, translated to Anthropic (and to Chat Completions) upstreams.

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
const nextId = () => `responses-${++sequence}`
const withId = (id: string) => ({ headers: { "x-request-id": id } })

const tools = [
  { type: "function" as const, name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } }, strict: false },
  { type: "function" as const, name: "get_time", parameters: { type: "object", properties: { tz: { type: "string" } } }, strict: false }
]
const twoCalls = [
  { name: "get_weather", arguments: { city: "Oslo" } },
  { name: "get_time", arguments: { tz: "Europe/Oslo" } }
]

describe("Responses API → Anthropic upstream", () => {
  test("non-stream: instructions and input become an Anthropic message; output_text and usage come back", async () => {
    const id = nextId()
    const response = await client.responses.create({ model: "claude-test-1", instructions: "Be brief.", input: "ECHO: hei" }, withId(id))
    expect(response.object).toBe("response")
    expect(response.status).toBe("completed")
    expect(response.output_text).toBe("hei")
    expect(fake.last()!.body).toMatchObject({ system: "Be brief.", messages: [{ role: "user" }] })
    const row = await gateway.rowFor(id)
    expect(row).toMatchObject({ endpoint: "responses", provider: "claude", status: 200, usage_source: "reported" })
    expect(row.completion_tokens).toBe(response.usage!.output_tokens)
  })

  test("stream: the typed event stream from response.created to response.completed", async () => {
    const id = nextId()
    const stream = await client.responses.create({ model: "claude-test-1", input: "ECHO: one two three", stream: true }, withId(id))
    const events: Array<ResponseStreamEvent> = []
    for await (const event of stream) events.push(event)
    const types = events.map((e) => e.type)
    expect(types[0]).toBe("response.created")
    expect(types.at(-1)).toBe("response.completed")
    expect(types).toContain("response.output_text.delta")
    const text = events.flatMap((e) => e.type === "response.output_text.delta" ? [e.delta] : []).join("")
    expect(text).toBe("one two three")
    const completed = events.at(-1)
    if (completed?.type !== "response.completed") throw new Error("no response.completed")
    expect(completed.response.usage?.output_tokens).toBeGreaterThan(0)
    expect((await gateway.rowFor(id)).status).toBe(200)
  })

  test("function_call and function_call_output items become tool_use and tool_result blocks with the same ids", async () => {
    const calls = [
      { call_id: "toolu_A1", name: "get_weather", arguments: '{"city":"Oslo"}' },
      { call_id: "toolu_B2", name: "get_time", arguments: '{"tz":"Europe/Oslo"}' }
    ]
    await client.responses.create({
      model: "claude-test-1",
      tools,
      input: [
        { role: "user", content: "weather and time in Oslo" },
        ...calls.map((c) => ({ type: "function_call" as const, ...c })),
        ...calls.map((c) => ({ type: "function_call_output" as const, call_id: c.call_id, output: "fine" }))
      ]
    })
    const messages = (fake.last()!.body as { messages: Array<{ role: string; content: Array<Record<string, unknown>> }> }).messages
    expect(messages[1]!.content.map((b) => [b.type, b.id, b.input])).toEqual(calls.map((c) => ["tool_use", c.call_id, JSON.parse(c.arguments)]))
    expect(messages[2]!.content.map((b) => [b.type, b.tool_use_id])).toEqual(calls.map((c) => ["tool_result", c.call_id]))
  })

  test("previous_response_id is refused with a clear 400: nothing is stored", async () => {
    const error = await client.responses
      .create({ model: "claude-test-1", input: "hi", previous_response_id: "resp_123" })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("previous_response_id")
  })
})

describe("Responses API → OpenAI-compatible upstream", () => {
  test("translated to Chat Completions, since most OpenAI-compatible servers have no /v1/responses", async () => {
    const response = await client.responses.create({ model: "gpt-4o-mini", input: "ECHO: hello chat", max_output_tokens: 64 })
    expect(response.output_text).toBe("hello chat")
    expect(fake.last()!.path).toBe("/v1/chat/completions")
    expect(fake.last()!.body).toMatchObject({ max_completion_tokens: 64, messages: [{ role: "user" }] })
  })
})

describe("Responses API: streamed function calls against every upstream dialect", () => {
  for (const model of ["claude-test-1", "gemini-2.5-flash", "gpt-4o-mini"]) {
    test(`${model}: function_call items with their own call ids and complete arguments`, async () => {
      fake.script(model, { toolCalls: twoCalls }, 1)
      const id = nextId()
      const stream = client.responses.stream({ model, input: "weather and time in Oslo", tools }, withId(id))
      const final = await stream.finalResponse()
      const calls = final.output.filter((item) => item.type === "function_call")
      expect(calls.map((c) => [c.name, JSON.parse(c.arguments)])).toEqual(twoCalls.map((c) => [c.name, c.arguments]))
      expect(new Set(calls.map((c) => c.call_id)).size).toBe(2)
      expect(final.status).toBe("completed")
      expect(await gateway.rowFor(id)).toMatchObject({ status: 200, usage_source: "reported", endpoint: "responses" })
    })
  }
})
