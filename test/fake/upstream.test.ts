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
