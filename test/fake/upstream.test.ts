import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test"
import OpenAI from "openai"
import { startFakeUpstream, type FakeUpstream } from "./upstream.ts"

let fake: FakeUpstream
beforeAll(async () => {
  fake = await startFakeUpstream()
})
afterEach(() => fake.reset())
afterAll(() => fake.stop())

type Json = Record<string, unknown>
const post = (path: string, body: unknown, init: RequestInit = {}) =>
  fetch(`${fake.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer sk-test" },
    body: JSON.stringify(body),
    ...init,
  })
const chat = (model: string, extra: Json = {}, init: RequestInit = {}) =>
  post("/chat/completions", { model, messages: [{ role: "user", content: "hi there" }], ...extra }, init)

/** Reads an SSE body to the end: the `data:` payloads, or the error thrown by the reader. */
const readSse = async (res: Response): Promise<{ events: string[]; error?: Error }> => {
  const reader = res.body!.getReader()
  const decoder = new TextDecoder()
  let text = ""
  let error: Error | undefined
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      text += decoder.decode(value, { stream: true })
    }
  } catch (e) {
    error = e as Error
  }
  const events = text.split("\n\n").filter((e) => e.startsWith("data: ")).map((e) => e.slice(6))
  return error ? { events, error } : { events }
}
const parse = (events: string[]) => events.filter((e) => e !== "[DONE]").map((e) => JSON.parse(e) as Json)

describe("chat completions", () => {
  test("non-stream returns a real chat.completion", async () => {
    const res = await chat("gpt-4o-mini")
    expect(res.status).toBe(200)
    const body = (await res.json()) as Json
    expect(body).toMatchObject({
      object: "chat.completion",
      model: "gpt-4o-mini",
      choices: [{ index: 0, message: { role: "assistant", content: "Hello from fake upstream", refusal: null }, finish_reason: "stop" }],
      usage: { prompt_tokens: 2, completion_tokens: 4, total_tokens: 6, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } },
    })
    expect(String(body.id)).toStartWith("chatcmpl-")
    expect(fake.last()).toMatchObject({ method: "POST", path: "/v1/chat/completions", headers: { authorization: "Bearer sk-test" }, body: { model: "gpt-4o-mini" } })
    expect(fake.inFlight()).toBe(0)
  })

  test("ECHO: answers the rest of the last user message, array content too", async () => {
    const res = await post("/chat/completions", {
      model: "m",
      messages: [{ role: "user", content: "ECHO: no" }, { role: "assistant", content: "x" }, { role: "user", content: [{ type: "text", text: "ECHO: one two" }] }],
    })
    expect(((await res.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toBe("one two")
  })

  test("stream without include_usage: role chunk, word chunks, stop chunk, [DONE]", async () => {
    const res = await chat("gpt-4o-mini", { stream: true })
    expect(res.headers.get("content-type")).toStartWith("text/event-stream")
    const { events, error } = await readSse(res)
    expect(error).toBeUndefined()
    expect(events.at(-1)).toBe("[DONE]")
    const chunks = parse(events)
    expect(chunks.map((c) => c.object)).toEqual(Array(6).fill("chat.completion.chunk"))
    expect(chunks[0]).toMatchObject({ choices: [{ delta: { role: "assistant", content: "" }, finish_reason: null }] })
    expect(chunks.slice(1, 5).map((c) => (c.choices as Array<{ delta: { content: string } }>)[0]!.delta.content).join("")).toBe("Hello from fake upstream")
    expect(chunks[5]).toMatchObject({ choices: [{ delta: {}, finish_reason: "stop" }] })
    expect(chunks.every((c) => !("usage" in c))).toBe(true)
    await fake.waitFor(() => fake.inFlight() === 0)
    expect(fake.aborted()).toBe(0)
  })

  test("stream with include_usage: usage: null everywhere, then a usage chunk with no choices", async () => {
    fake.script("gpt-4o-mini", { chunks: 3, cachedTokens: 1 })
    const { events } = await readSse(await chat("gpt-4o-mini", { stream: true, stream_options: { include_usage: true } }))
    const chunks = parse(events)
    expect(chunks).toHaveLength(6) // role + 3 + stop + usage
    expect(chunks.slice(0, 5).every((c) => c.usage === null)).toBe(true)
    expect(chunks[5]).toMatchObject({ choices: [], usage: { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5, prompt_tokens_details: { cached_tokens: 1 } } })
  })

  test("noUsage: no usage chunk even if asked, and no usage field non-stream", async () => {
    fake.script("m", { noUsage: true })
    const { events } = await readSse(await chat("m", { stream: true, stream_options: { include_usage: true } }))
    expect(parse(events).some((c) => Array.isArray(c.choices) && c.choices.length === 0)).toBe(false)
    expect("usage" in ((await (await chat("m")).json()) as Json)).toBe(false)
  })

  test("chunkDelayMs spaces the events", async () => {
    fake.script("m", { chunkDelayMs: 30, chunks: 2 })
    const t0 = Date.now()
    await readSse(await chat("m", { stream: true }))
    expect(Date.now() - t0).toBeGreaterThanOrEqual(4 * 30 - 10) // 5 events, 4 gaps
  })
})

describe("completions, embeddings, models", () => {
  test("legacy completions, non-stream and stream", async () => {
    const body = (await (await post("/completions", { model: "gpt-3.5-turbo-instruct", prompt: "ECHO:a b c" })).json()) as Json
    expect(body).toMatchObject({ object: "text_completion", model: "gpt-3.5-turbo-instruct", choices: [{ text: "a b c", finish_reason: "stop" }], usage: { completion_tokens: 3 } })
    const { events } = await readSse(await post("/completions", { model: "x", prompt: "hi", stream: true, stream_options: { include_usage: true } }))
    const chunks = parse(events)
    expect(chunks.map((c) => (c.choices as Array<{ text: string }>)[0]?.text ?? "").join("")).toBe("Hello from fake upstream")
    expect(chunks.at(-2)).toMatchObject({ object: "text_completion", choices: [{ text: "", finish_reason: "stop" }], usage: null })
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: 4 } })
    expect(events.at(-1)).toBe("[DONE]")
  })

  test("embeddings float and base64 (same vectors)", async () => {
    const floats = (await (await post("/embeddings", { model: "text-embedding-3-small", input: ["a", "b"] })).json()) as {
      data: Array<{ object: string; index: number; embedding: number[] }>
      usage: Json
    }
    expect(floats.data.map((d) => [d.object, d.index, d.embedding.length])).toEqual([["embedding", 0, 8], ["embedding", 1, 8]])
    expect(floats.usage).toEqual({ prompt_tokens: 1, total_tokens: 1 })
    const b64 = (await (await post("/embeddings", { model: "e", input: "a", encoding_format: "base64", dimensions: 8 })).json()) as { data: Array<{ embedding: string }> }
    const bytes = Buffer.from(b64.data[0]!.embedding, "base64")
    expect(Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4))).toEqual(floats.data[0]!.embedding)
    const dims = (await (await post("/embeddings", { model: "e", input: "a", dimensions: 3 })).json()) as { data: Array<{ embedding: number[] }> }
    expect(dims.data[0]!.embedding).toHaveLength(3)
  })

  test("models list is configurable", async () => {
    fake.setModels(["a", "b"])
    const body = (await (await fetch(`${fake.url}/models`)).json()) as Json
    expect(body).toEqual({ object: "list", data: [{ id: "a", object: "model", created: 1700000000, owned_by: "fake" }, { id: "b", object: "model", created: 1700000000, owned_by: "fake" }] })
  })

  test("the openai SDK understands the fake (stream + base64 embeddings)", async () => {
    const client = new OpenAI({ baseURL: fake.url, apiKey: "sk-test", maxRetries: 0 })
    const stream = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "ECHO:x y" }], stream: true, stream_options: { include_usage: true } })
    let text = ""
    let total = 0
    for await (const c of stream) {
      text += c.choices[0]?.delta.content ?? ""
      total = c.usage?.total_tokens ?? total
    }
    expect([text, total]).toEqual(["x y", 4])
    const emb = await client.embeddings.create({ model: "text-embedding-3-small", input: "a" })
    expect((fake.last()?.body as Json).encoding_format).toBe("base64")
    expect(emb.data[0]!.embedding).toHaveLength(8)
  })
})

describe("errors and auth", () => {
  test("401 when keys are configured and the bearer is missing or wrong", async () => {
    const guarded = await startFakeUpstream({ keys: ["good"] })
    try {
      const bad = await fetch(`${guarded.url}/models`, { headers: { authorization: "Bearer nope" } })
      expect(bad.status).toBe(401)
      expect(((await bad.json()) as { error: Json }).error).toMatchObject({ type: "invalid_request_error", code: "invalid_api_key", param: null })
      expect((await fetch(`${guarded.url}/models`)).status).toBe(401)
      expect((await fetch(`${guarded.url}/models`, { headers: { authorization: "Bearer good" } })).status).toBe(200)
    } finally {
      await guarded.stop()
    }
  })

  test("404 model_not_found", async () => {
    const res = await chat("gpt-no-such-model")
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({ error: { message: "The model `gpt-no-such-model` does not exist", type: "invalid_request_error", param: null, code: "model_not_found" } })
  })

  test("scripted 429 with retry-after, applied `times` times, then normal; other models untouched", async () => {
    fake.script("m", { status: 429, headers: { "retry-after": "2" } }, 2)
    fake.script("m", { status: 503, body: { custom: true } }, 1)
    expect((await chat("other")).status).toBe(200)
    for (let i = 0; i < 2; i++) {
      const res = await chat("m")
      expect(res.status).toBe(429)
      expect(res.headers.get("retry-after")).toBe("2")
      expect(((await res.json()) as { error: Json }).error).toMatchObject({ message: expect.stringContaining("429"), code: "rate_limit_exceeded" })
    }
    const r503 = await chat("m")
    expect([r503.status, await r503.json()]).toEqual([503, { custom: true }])
    expect((await chat("m")).status).toBe(200)
    expect(fake.requests).toHaveLength(5)
  })

  test("latencyMs delays the response", async () => {
    fake.script("m", { latencyMs: 80 })
    const t0 = Date.now()
    expect((await chat("m")).status).toBe(200)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(70)
  })
})

describe("faults and aborts", () => {
  test("cutAfterChunks: the fetch reader sees an error (ECONNRESET), not a clean end", async () => {
    fake.script("m", { cutAfterChunks: 2 })
    const { events, error } = await readSse(await chat("m", { stream: true }))
    expect(error).toBeDefined()
    expect(error!.message).toContain("ECONNRESET")
    expect(events).not.toContain("[DONE]")
    expect(parse(events)).toHaveLength(3) // role + 2 content chunks
    expect(parse(events).some((c) => (c.choices as Array<{ finish_reason: string | null }>)[0]?.finish_reason === "stop")).toBe(false)
    await fake.waitFor(() => fake.inFlight() === 0)
  })

  test("cutAfterChunks non-stream: fetch itself rejects", async () => {
    fake.script("m", { cutAfterChunks: 0 })
    await expect(chat("m")).rejects.toThrow(/ECONNRESET|closed/)
  })

  test("malformedAfterChunks: a bad data line then a clean end", async () => {
    fake.script("m", { malformedAfterChunks: 1 })
    const { events, error } = await readSse(await chat("m", { stream: true }))
    expect(error).toBeUndefined()
    expect(events.at(-1)).toBe("{not json")
    expect(events).toHaveLength(3)
    await fake.waitFor(() => fake.inFlight() === 0)
  })

  test("stallAfterChunks + client abort: counted in aborted(), inFlight back to 0", async () => {
    fake.script("m", { stallAfterChunks: 1 })
    const ac = new AbortController()
    const res = await chat("m", { stream: true }, { signal: ac.signal })
    const reader = res.body!.getReader()
    let got = ""
    while (!got.includes("Hello")) got += new TextDecoder().decode((await reader.read()).value)
    expect(fake.inFlight()).toBe(1)
    const pending = reader.read()
    await Bun.sleep(50)
    expect(fake.inFlight()).toBe(1) // still stalled, connection open
    ac.abort()
    await expect(pending).rejects.toThrow()
    await fake.waitFor(() => fake.aborted() === 1 && fake.inFlight() === 0)
  })

  test("mid-stream abort with chunkDelayMs is detected", async () => {
    fake.script("m", { chunks: 50, chunkDelayMs: 20 })
    const ac = new AbortController()
    const res = await chat("m", { stream: true }, { signal: ac.signal })
    await res.body!.getReader().read()
    ac.abort()
    await fake.waitFor(() => fake.aborted() === 1 && fake.inFlight() === 0)
  })

  test.each([["hang", { hang: true }], ["latencyMs", { latencyMs: 10_000 }]] as const)("%s + client abort", async (_, behaviour) => {
    fake.script("m", behaviour)
    const ac = new AbortController()
    const p = chat("m", {}, { signal: ac.signal })
    await fake.waitFor(() => fake.inFlight() === 1)
    ac.abort()
    await expect(p).rejects.toThrow()
    await fake.waitFor(() => fake.aborted() === 1 && fake.inFlight() === 0)
  })

  test("stop() ends hanging requests and the server", async () => {
    const other = await startFakeUpstream()
    other.script("m", { hang: true })
    const p = fetch(`${other.url}/chat/completions`, { method: "POST", body: JSON.stringify({ model: "m", messages: [] }) }).then(
      () => "resolved",
      () => "rejected",
    )
    await other.waitFor(() => other.inFlight() === 1)
    await other.stop()
    expect(await p).toBe("rejected")
  })
})

/** Reads a body to the end: its text, or what was read before the reader threw. */
const readRaw = async (res: Response): Promise<{ text: string; error?: Error }> => {
  const reader = res.body!.getReader()
  const decoder = new TextDecoder()
  let text = ""
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return { text }
      text += decoder.decode(value, { stream: true })
    }
  } catch (e) {
    return { text, error: e as Error }
  }
}
type SseEvent = { event: string | undefined; data: string }
/** Splits SSE text into events (blank line `\n\n` or `\r\n\r\n` between them). */
const sseEvents = (text: string): SseEvent[] =>
  text
    .split(/\r\n\r\n|\n\n/)
    .filter((block) => block.trim() !== "")
    .map((block) => {
      const lines = block.split(/\r\n|\n/)
      const data = lines.filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n")
      return { event: lines.find((l) => l.startsWith("event: "))?.slice(7), data }
    })
const jsonOf = (events: SseEvent[]) => events.map((e) => JSON.parse(e.data) as Json)

const weather = { name: "get_weather", arguments: { city: "Paris", units: "c" } } // JSON: 28 chars, 7 tokens
const clock = { name: "get_time", arguments: {}, id: "custom-id" } // JSON: 2 chars, 1 token

describe("OpenAI tool calls and reasoning", () => {
  test("stream: per call a header delta (id, name, arguments \"\") then 3 argument fragments; finish tool_calls", async () => {
    fake.script("m", { toolCalls: [weather, clock] })
    const chunks = parse((await readSse(await chat("m", { stream: true, stream_options: { include_usage: true } }))).events)
    type Delta = { content?: string; tool_calls?: Array<{ index: number; id?: string; type?: string; function: { name?: string; arguments: string } }> }
    const deltas = chunks.slice(1, -2).map((c) => (c.choices as Array<{ delta: Delta }>)[0]!.delta)
    expect(deltas).toHaveLength(8)
    expect(deltas.every((d) => d.content === undefined && d.tool_calls?.length === 1)).toBe(true)
    const calls = deltas.map((d) => d.tool_calls![0]!)
    expect(calls.map((c) => c.index)).toEqual([0, 0, 0, 0, 1, 1, 1, 1])
    expect(calls[0]).toEqual({ index: 0, id: expect.stringMatching(/^call_fake_\d+_0$/), type: "function", function: { name: "get_weather", arguments: "" } })
    expect(calls[4]).toEqual({ index: 1, id: "custom-id", type: "function", function: { name: "get_time", arguments: "" } })
    expect(calls.filter((_, i) => i % 4 !== 0).every((c) => Object.keys(c).join() === "index,function" && Object.keys(c.function).join() === "arguments")).toBe(true)
    const args = (index: number) => calls.filter((c) => c.index === index).map((c) => c.function.arguments).join("")
    expect([JSON.parse(args(0)), JSON.parse(args(1))]).toEqual([weather.arguments, {}])
    expect(calls.slice(1, 4).every((c) => c.function.arguments !== "")).toBe(true) // really split
    expect(chunks.at(-2)).toMatchObject({ choices: [{ delta: {}, finish_reason: "tool_calls" }] })
    expect(chunks.at(-1)).toMatchObject({ usage: { prompt_tokens: 2, completion_tokens: 8, total_tokens: 10 } })
  })

  test("non-stream: content null, tool_calls with JSON arguments", async () => {
    fake.script("m", { toolCalls: [weather] })
    const body = (await (await chat("m")).json()) as Json
    expect(body).toMatchObject({
      choices: [
        {
          message: { role: "assistant", content: null, tool_calls: [{ id: expect.stringMatching(/^call_fake_\d+_0$/), type: "function", function: { name: "get_weather", arguments: '{"city":"Paris","units":"c"}' } }] },
          finish_reason: "tool_calls",
        },
      ],
      usage: { completion_tokens: 7 },
    })
  })

  test("reasoning: reasoning_content deltas before the content, counted in reasoning_tokens", async () => {
    fake.script("m", { reasoning: "think hard" })
    const chunks = parse((await readSse(await chat("m", { stream: true, stream_options: { include_usage: true } }))).events)
    const deltas = chunks.slice(1, -2).map((c) => (c.choices as Array<{ delta: Json }>)[0]!.delta)
    expect(deltas.slice(0, 2)).toEqual([{ reasoning_content: "think" }, { reasoning_content: " hard" }])
    expect(deltas.slice(2).map((d) => d.content).join("")).toBe("Hello from fake upstream")
    expect(chunks.at(-1)).toMatchObject({ usage: { completion_tokens: 6, completion_tokens_details: { reasoning_tokens: 2 } } })
    const body = (await (await chat("m")).json()) as Json
    expect(body).toMatchObject({ choices: [{ message: { content: "Hello from fake upstream", reasoning_content: "think hard" }, finish_reason: "stop" }] })
  })

  test("the openai SDK's stream helper assembles the tool calls", async () => {
    fake.script("gpt-4o-mini", { toolCalls: [weather, clock] })
    const client = new OpenAI({ baseURL: fake.url, apiKey: "sk-test", maxRetries: 0 })
    const final = await client.chat.completions.stream({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }).finalChatCompletion()
    expect(final.choices[0]!.message.tool_calls).toEqual([
      { id: expect.stringMatching(/^call_fake_\d+_0$/), type: "function", function: { name: "get_weather", arguments: '{"city":"Paris","units":"c"}' } },
      { id: "custom-id", type: "function", function: { name: "get_time", arguments: "{}" } },
    ])
    expect(final.choices[0]!.finish_reason).toBe("tool_calls")
  })
})

const anthropic = (body: Json = {}, headers: Record<string, string> = {}, server: FakeUpstream = fake) =>
  fetch(`${server.origin}/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": "sk-ant", "anthropic-version": "2023-06-01", ...headers },
    body: JSON.stringify({ model: "claude-x", max_tokens: 100, messages: [{ role: "user", content: "hi there" }], ...body }),
  })

describe("Anthropic messages", () => {
  test("non-stream Message JSON; headers recorded", async () => {
    const res = await anthropic({ system: "be brief" }, { "anthropic-beta": "interleaved-thinking-2025-05-14" })
    expect(res.status).toBe(200)
    expect(res.headers.get("request-id")).toMatch(/^req_fake_\d+$/)
    expect(await res.json()).toEqual({
      id: expect.stringMatching(/^msg_fake_\d+$/),
      type: "message",
      role: "assistant",
      model: "claude-x",
      content: [{ type: "text", text: "Hello from fake upstream" }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: { input_tokens: 4, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 4, service_tier: "standard" },
    })
    expect(fake.last()).toMatchObject({
      method: "POST",
      path: "/v1/messages",
      headers: { "x-api-key": "sk-ant", "anthropic-version": "2023-06-01", "anthropic-beta": "interleaved-thinking-2025-05-14" },
      body: { model: "claude-x", max_tokens: 100 },
    })
    expect(fake.inFlight()).toBe(0)
  })

  test("ECHO: uses the last user turn with text (not a tool_result turn); system and tool results are counted", async () => {
    const body = (await (
      await anthropic({
        system: [{ type: "text", text: "sys" }],
        messages: [
          { role: "user", content: [{ type: "text", text: "ECHO: a b" }] },
          { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "f", input: {} }] },
          { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: "result" }] },
        ],
      })
    ).json()) as Json
    expect(body).toMatchObject({ content: [{ type: "text", text: "a b" }], usage: { input_tokens: 5, output_tokens: 2 } }) // 3 + 9 + 6 chars
  })

  test("stream: the event sequence, each `event: <type>` with a matching data.type", async () => {
    const res = await anthropic({ stream: true, messages: [{ role: "user", content: "ECHO: a b c" }] })
    expect(res.headers.get("content-type")).toStartWith("text/event-stream")
    const { text, error } = await readRaw(res)
    expect(error).toBeUndefined()
    expect(text.split("\n\n").slice(0, -1).every((block) => /^event: \w+\ndata: \{.*\}$/.test(block))).toBe(true)
    expect(text.endsWith("\n\n")).toBe(true)
    const events = sseEvents(text)
    expect(events.map((e) => e.event)).toEqual([
      "message_start",
      "content_block_start",
      "ping",
      "content_block_delta",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ])
    const data = jsonOf(events)
    expect(data.map((d) => d.type)).toEqual(events.map((e) => e.event))
    expect(data[0]).toEqual({
      type: "message_start",
      message: {
        id: expect.stringMatching(/^msg_fake_\d+$/),
        type: "message",
        role: "assistant",
        model: "claude-x",
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 3, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1, service_tier: "standard" },
      },
    })
    expect(data[1]).toEqual({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } })
    expect(data[2]).toEqual({ type: "ping" })
    expect(data.slice(3, 6)).toEqual(["a", " b", " c"].map((t) => ({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: t } })))
    expect(data[6]).toEqual({ type: "content_block_stop", index: 0 })
    expect(data[7]).toEqual({ type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 3 } })
    expect(data[8]).toEqual({ type: "message_stop" })
    await fake.waitFor(() => fake.inFlight() === 0)
  })

  test("stream: thinking block (thinking_delta, signature_delta) then tool_use blocks with input_json_delta fragments", async () => {
    fake.script("claude-x", { reasoning: "think hard", toolCalls: [weather, clock] })
    const data = jsonOf(sseEvents((await readRaw(await anthropic({ stream: true }))).text))
    const types = data.map((d) => (d.type === "content_block_delta" ? (d.delta as Json).type : d.type))
    expect(types).toEqual([
      "message_start",
      "content_block_start",
      "ping",
      "thinking_delta",
      "thinking_delta",
      "signature_delta",
      "content_block_stop",
      "content_block_start",
      "input_json_delta",
      "input_json_delta",
      "input_json_delta",
      "content_block_stop",
      "content_block_start",
      "input_json_delta",
      "input_json_delta",
      "input_json_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ])
    expect(data[1]).toEqual({ type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "", signature: "" } })
    expect(data[3]).toEqual({ type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "think" } })
    expect(data[5]).toEqual({ type: "content_block_delta", index: 0, delta: { type: "signature_delta", signature: "sig-think" } })
    expect(data[7]).toEqual({ type: "content_block_start", index: 1, content_block: { type: "tool_use", id: expect.stringMatching(/^toolu_fake_\d+_0$/), name: "get_weather", input: {} } })
    expect(data[12]).toEqual({ type: "content_block_start", index: 2, content_block: { type: "tool_use", id: "custom-id", name: "get_time", input: {} } })
    const json = (index: number) =>
      data
        .filter((d) => d.index === index && (d.delta as Json | undefined)?.type === "input_json_delta")
        .map((d) => (d.delta as { partial_json: string }).partial_json)
        .join("")
    expect([JSON.parse(json(1)), JSON.parse(json(2))]).toEqual([weather.arguments, {}])
    expect(data.at(-2)).toEqual({ type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 10 } })
  })

  test("non-stream: thinking then tool_use blocks, stop_reason tool_use", async () => {
    fake.script("claude-x", { reasoning: "think hard", toolCalls: [weather, clock] })
    expect(await (await anthropic()).json()).toMatchObject({
      content: [
        { type: "thinking", thinking: "think hard", signature: "sig-think" },
        { type: "tool_use", id: expect.stringMatching(/^toolu_fake_\d+_0$/), name: "get_weather", input: weather.arguments },
        { type: "tool_use", id: "custom-id", name: "get_time", input: {} },
      ],
      stop_reason: "tool_use",
      usage: { output_tokens: 10 },
    })
  })

  test("the Anthropic SDK's stream accumulator rebuilds the same message as the non-stream answer", async () => {
    const { default: Anthropic } = await import("@anthropic-ai/sdk")
    fake.script("claude-x", { reasoning: "think hard", toolCalls: [{ ...weather, id: "toolu_w" }, clock] }) // ids fixed: both answers must agree
    const client = new Anthropic({ baseURL: fake.origin, apiKey: "sk-ant", maxRetries: 0 })
    const params = { model: "claude-x", max_tokens: 100, messages: [{ role: "user" as const, content: "hi there" }] }
    const streamed = await client.messages.stream(params).finalMessage()
    const plain = (await (await anthropic()).json()) as Json
    expect(streamed.content).toEqual(plain.content as typeof streamed.content)
    expect([streamed.stop_reason, streamed.usage.output_tokens, streamed.usage.input_tokens]).toEqual(["tool_use", 10, 2])
  })

  test("cachedTokens: input_tokens leaves them out, cache_read_input_tokens has them", async () => {
    fake.script("claude-x", { cachedTokens: 4 })
    const messages = [{ role: "user", content: "ECHO: one two three four five six seven" }] // 39 chars, 10 tokens
    expect(await (await anthropic({ messages })).json()).toMatchObject({ usage: { input_tokens: 6, cache_read_input_tokens: 4, output_tokens: 7 } })
    const data = jsonOf(sseEvents((await readRaw(await anthropic({ messages, stream: true }))).text))
    expect(data[0]).toMatchObject({ message: { usage: { input_tokens: 6, cache_read_input_tokens: 4 } } })
  })

  test("noUsage: no usage anywhere", async () => {
    fake.script("claude-x", { noUsage: true })
    expect("usage" in ((await (await anthropic()).json()) as Json)).toBe(false)
    const data = jsonOf(sseEvents((await readRaw(await anthropic({ stream: true }))).text))
    expect("usage" in (data[0]!.message as Json)).toBe(false)
    expect(data.at(-2)).toEqual({ type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null } })
  })

  test("streamError: an `event: error` after N content chunks, then the stream ends without message_stop", async () => {
    fake.script("claude-x", { streamError: { afterChunks: 1, type: "overloaded_error", message: "Overloaded" } })
    const res = await anthropic({ stream: true })
    expect(res.status).toBe(200)
    const { text, error } = await readRaw(res)
    expect(error).toBeUndefined()
    const events = sseEvents(text)
    expect(events.map((e) => e.event)).toEqual(["message_start", "content_block_start", "ping", "content_block_delta", "error"])
    expect(JSON.parse(events[4]!.data)).toEqual({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } })
    await fake.waitFor(() => fake.inFlight() === 0)
  })

  test("cutAfterChunks and malformedAfterChunks count content deltas", async () => {
    fake.script("claude-x", { cutAfterChunks: 2 }, 1)
    fake.script("claude-x", { malformedAfterChunks: 0 }, 1)
    const cut = await readRaw(await anthropic({ stream: true }))
    expect(cut.error?.message).toContain("ECONNRESET")
    expect(sseEvents(cut.text).map((e) => e.event)).toEqual(["message_start", "content_block_start", "ping", "content_block_delta", "content_block_delta"])
    const bad = await readRaw(await anthropic({ stream: true }))
    expect(bad.error).toBeUndefined()
    expect(sseEvents(bad.text).at(-1)).toEqual({ event: "content_block_delta", data: "{not json" })
    await fake.waitFor(() => fake.inFlight() === 0)
  })

  test.each([
    [429, "rate_limit_error"],
    [529, "overloaded_error"],
    [401, "authentication_error"],
    [400, "invalid_request_error"],
    [500, "api_error"],
  ] as const)("scripted %i: Anthropic error body %s", async (status, type) => {
    fake.script("claude-x", { status, headers: { "retry-after": "3" } })
    const res = await anthropic({ stream: true })
    expect([res.status, res.headers.get("retry-after")]).toEqual([status, "3"])
    expect(await res.json()).toEqual({ type: "error", error: { type, message: `Fake upstream scripted error: status ${status}` } })
  })

  test("the real API's required fields and unknown models are refused in Anthropic's shape", async () => {
    const noMax = await anthropic({ max_tokens: undefined })
    expect([noMax.status, await noMax.json()]).toEqual([400, { type: "error", error: { type: "invalid_request_error", message: "max_tokens: Field required" } }])
    const unknown = await anthropic({ model: "claude-no-such-model" })
    expect([unknown.status, ((await unknown.json()) as { error: Json }).error.type]).toEqual([404, "not_found_error"])
  })

  test("count_tokens", async () => {
    const res = await fetch(`${fake.origin}/v1/messages/count_tokens`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": "k", "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ model: "claude-x", system: "be brief", messages: [{ role: "user", content: "hi there" }] }),
    })
    expect(await res.json()).toEqual({ input_tokens: 4 })
    expect(fake.last()?.path).toBe("/v1/messages/count_tokens")
  })

  test("GET /v1/models with anthropic-version: Anthropic's list shape", async () => {
    fake.setModels(["claude-a", "claude-b"])
    const body = await (await fetch(`${fake.url}/models`, { headers: { "anthropic-version": "2023-06-01" } })).json()
    expect(body).toEqual({
      data: [
        { type: "model", id: "claude-a", display_name: "claude-a", created_at: "2025-01-01T00:00:00Z" },
        { type: "model", id: "claude-b", display_name: "claude-b", created_at: "2025-01-01T00:00:00Z" },
      ],
      has_more: false,
      first_id: "claude-a",
      last_id: "claude-b",
    })
  })

  test("keys: x-api-key required (a bearer does not do), 401 authentication_error", async () => {
    const guarded = await startFakeUpstream({ keys: ["good"] })
    try {
      const missing = await anthropic({}, { "x-api-key": "", authorization: "Bearer good" }, guarded)
      expect([missing.status, await missing.json()]).toEqual([401, { type: "error", error: { type: "authentication_error", message: "invalid x-api-key" } }])
      const none = await fetch(`${guarded.origin}/v1/messages`, { method: "POST", body: "{}" })
      expect(((await none.json()) as { error: Json }).error).toEqual({ type: "authentication_error", message: "x-api-key header is required" })
      expect((await anthropic({}, { "x-api-key": "good" }, guarded)).status).toBe(200)
      const models = await fetch(`${guarded.url}/models`, { headers: { "anthropic-version": "2023-06-01", authorization: "Bearer good" } })
      expect(models.status).toBe(401)
    } finally {
      await guarded.stop()
    }
  })
})

const gemini = (model: string, body: Json = {}, opts: { stream?: boolean; headers?: Record<string, string>; query?: string; server?: FakeUpstream } = {}) =>
  fetch(`${(opts.server ?? fake).origin}/v1beta/models/${model}:${opts.stream ? "streamGenerateContent" : "generateContent"}${opts.query ?? (opts.stream ? "?alt=sse" : "")}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-goog-api-key": "g-key", ...opts.headers },
    body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "hi there" }] }], ...body }),
  })

describe("Gemini generateContent", () => {
  test("non-stream GenerateContentResponse; the recorded path has the model", async () => {
    const res = await gemini("gemini-2.0-flash", { systemInstruction: { parts: [{ text: "be brief" }] } })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({
      candidates: [{ content: { parts: [{ text: "Hello from fake upstream" }], role: "model" }, finishReason: "STOP", index: 0 }],
      usageMetadata: { promptTokenCount: 4, candidatesTokenCount: 4, totalTokenCount: 8 },
      modelVersion: "gemini-2.0-flash",
      responseId: expect.stringMatching(/^fake-\d+$/),
    })
    expect(fake.last()).toMatchObject({ method: "POST", path: "/v1beta/models/gemini-2.0-flash:generateContent", search: "", headers: { "x-goog-api-key": "g-key" } })
  })

  test("stream: `data: <json>\\r\\n\\r\\n` per chunk, cumulative usageMetadata on each, finishReason STOP on the last", async () => {
    const res = await gemini("gemini-2.0-flash", { contents: [{ parts: [{ text: "ECHO: a b c" }] }] }, { stream: true })
    expect(res.headers.get("content-type")).toStartWith("text/event-stream")
    const { text, error } = await readRaw(res)
    expect(error).toBeUndefined()
    const blocks = text.split("\r\n\r\n")
    expect(blocks.at(-1)).toBe("")
    expect(blocks.slice(0, -1).every((b) => b.startsWith("data: {") && !b.includes("\n"))).toBe(true)
    const chunks = jsonOf(sseEvents(text))
    expect(chunks).toEqual(
      ["a", " b", " c"].map((t, i) => ({
        candidates: [{ content: { parts: [{ text: t }], role: "model" }, ...(i === 2 ? { finishReason: "STOP" } : {}), index: 0 }],
        usageMetadata: { promptTokenCount: 3, candidatesTokenCount: i + 1, totalTokenCount: 4 + i },
        modelVersion: "gemini-2.0-flash",
        responseId: expect.stringMatching(/^fake-\d+$/),
      })),
    )
    expect(fake.last()).toMatchObject({ path: "/v1beta/models/gemini-2.0-flash:streamGenerateContent", search: "?alt=sse" })
    await fake.waitFor(() => fake.inFlight() === 0)
  })

  test("stream: thought parts, then each functionCall whole with its thoughtSignature", async () => {
    fake.script("gemini-x", { reasoning: "think hard", toolCalls: [weather, clock] })
    const chunks = jsonOf(sseEvents((await readRaw(await gemini("gemini-x", {}, { stream: true }))).text))
    const parts = chunks.map((c) => (c.candidates as Array<{ content: { parts: Json[] } }>)[0]!.content.parts)
    expect(parts).toEqual([
      [{ text: "think", thought: true }],
      [{ text: " hard", thought: true }],
      [{ functionCall: { name: "get_weather", args: weather.arguments }, thoughtSignature: btoa("sig-get_weather") }],
      [{ functionCall: { id: "custom-id", name: "get_time", args: {} }, thoughtSignature: btoa("sig-get_time") }],
    ])
    expect(chunks.map((c) => (c.candidates as Json[])[0]!.finishReason)).toEqual([undefined, undefined, undefined, "STOP"])
    expect(chunks.at(-1)!.usageMetadata).toEqual({ promptTokenCount: 2, candidatesTokenCount: 8, totalTokenCount: 12, thoughtsTokenCount: 2 })
  })

  test("non-stream: thought part then functionCall parts", async () => {
    fake.script("gemini-x", { reasoning: "think hard", toolCalls: [weather] })
    expect(await (await gemini("gemini-x")).json()).toMatchObject({
      candidates: [
        {
          content: {
            parts: [{ text: "think hard", thought: true }, { functionCall: { name: "get_weather", args: weather.arguments }, thoughtSignature: btoa("sig-get_weather") }],
            role: "model",
          },
          finishReason: "STOP",
        },
      ],
      usageMetadata: { candidatesTokenCount: 7, thoughtsTokenCount: 2, totalTokenCount: 11 },
    })
  })

  test("ECHO: uses the last user turn with text; function responses and thoughts do not answer", async () => {
    const contents = [
      { role: "user", parts: [{ text: "ECHO: x y" }] },
      { role: "model", parts: [{ text: "hmm", thought: true }, { functionCall: { name: "f", args: {} } }] },
      { role: "user", parts: [{ functionResponse: { name: "f", response: { ok: true } } }] },
    ]
    expect(await (await gemini("g", { contents })).json()).toMatchObject({
      candidates: [{ content: { parts: [{ text: "x y" }] } }],
      usageMetadata: { promptTokenCount: 5 }, // 9 + 11 chars
    })
  })

  test("scripts match the model in the URL; cachedTokens and noUsage", async () => {
    fake.script("gemini-a", { cachedTokens: 3 }, 1)
    fake.script("gemini-a", { noUsage: true }, 1)
    expect(((await (await gemini("gemini-b")).json()) as Json).usageMetadata).toEqual({ promptTokenCount: 2, candidatesTokenCount: 4, totalTokenCount: 6 })
    expect(((await (await gemini("gemini-a")).json()) as Json).usageMetadata).toEqual({
      promptTokenCount: 3,
      candidatesTokenCount: 4,
      totalTokenCount: 7,
      cachedContentTokenCount: 3,
    })
    const chunks = jsonOf(sseEvents((await readRaw(await gemini("gemini-a", {}, { stream: true }))).text))
    expect(chunks).toHaveLength(4)
    expect(chunks.some((c) => "usageMetadata" in c)).toBe(false)
  })

  test("cutAfterChunks and malformedAfterChunks", async () => {
    fake.script("g", { cutAfterChunks: 2 }, 1)
    fake.script("g", { malformedAfterChunks: 1 }, 1)
    const cut = await readRaw(await gemini("g", {}, { stream: true }))
    expect(cut.error?.message).toContain("ECONNRESET")
    expect(sseEvents(cut.text)).toHaveLength(2)
    const bad = await readRaw(await gemini("g", {}, { stream: true }))
    expect(bad.error).toBeUndefined()
    expect(bad.text.endsWith("data: {not json\r\n\r\n")).toBe(true)
    expect(sseEvents(bad.text)).toHaveLength(2)
    await fake.waitFor(() => fake.inFlight() === 0)
  })

  test.each([
    [429, "RESOURCE_EXHAUSTED"],
    [400, "INVALID_ARGUMENT"],
    [401, "UNAUTHENTICATED"],
    [503, "UNAVAILABLE"],
    [500, "INTERNAL"],
  ] as const)("scripted %i: Gemini error body %s", async (status, name) => {
    fake.script("g", { status })
    const res = await gemini("g", {}, { stream: true })
    expect(res.status).toBe(status)
    expect(await res.json()).toEqual({ error: { code: status, message: `Fake upstream scripted error: status ${status}`, status: name } })
  })

  test("unknown model 404 NOT_FOUND; streamGenerateContent without alt=sse refused", async () => {
    const missing = await gemini("gemini-no-such-model")
    expect([missing.status, ((await missing.json()) as { error: Json }).error.status]).toEqual([404, "NOT_FOUND"])
    expect((await gemini("g", {}, { stream: true, query: "" })).status).toBe(400)
  })

  test("keys: x-goog-api-key or ?key=; a wrong key is Google's 400 API_KEY_INVALID, a missing one 403", async () => {
    const guarded = await startFakeUpstream({ keys: ["good"] })
    try {
      const wrong = await gemini("g", {}, { server: guarded })
      expect(wrong.status).toBe(400)
      expect(((await wrong.json()) as { error: Json }).error).toMatchObject({ code: 400, status: "INVALID_ARGUMENT", details: [{ reason: "API_KEY_INVALID" }] })
      const none = await fetch(`${guarded.origin}/v1beta/models/g:generateContent`, { method: "POST", body: "{}" })
      expect([none.status, ((await none.json()) as { error: Json }).error.status]).toEqual([403, "PERMISSION_DENIED"])
      expect((await gemini("g", {}, { server: guarded, headers: { "x-goog-api-key": "good" } })).status).toBe(200)
      expect((await gemini("g", {}, { server: guarded, headers: { "x-goog-api-key": "" }, query: "?key=good" })).status).toBe(200)
    } finally {
      await guarded.stop()
    }
  })
})

test("the three formats agree on the answer and the token counts", async () => {
  const ask = "ECHO: one two three"
  const openai = (await (await post("/chat/completions", { model: "m", messages: [{ role: "system", content: "sys" }, { role: "user", content: ask }] })).json()) as {
    choices: Array<{ message: { content: string } }>
    usage: { prompt_tokens: number; completion_tokens: number }
  }
  const claude = (await (await anthropic({ system: "sys", messages: [{ role: "user", content: ask }] })).json()) as {
    content: Array<{ text: string }>
    usage: { input_tokens: number; output_tokens: number }
  }
  const gem = (await (await gemini("g", { systemInstruction: { parts: [{ text: "sys" }] }, contents: [{ role: "user", parts: [{ text: ask }] }] })).json()) as {
    candidates: Array<{ content: { parts: Array<{ text: string }> } }>
    usageMetadata: { promptTokenCount: number; candidatesTokenCount: number }
  }
  expect([
    [openai.choices[0]!.message.content, openai.usage.prompt_tokens, openai.usage.completion_tokens],
    [claude.content[0]!.text, claude.usage.input_tokens, claude.usage.output_tokens],
    [gem.candidates[0]!.content.parts[0]!.text, gem.usageMetadata.promptTokenCount, gem.usageMetadata.candidatesTokenCount],
  ]).toEqual(Array(3).fill(["one two three", 6, 3]))
})
