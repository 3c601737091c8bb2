import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import OpenAI from "openai"
import { type FakeUpstream, startFakeUpstream } from "../fake/upstream.ts"
import { devKey, type LedgerRow, type RunningGateway, startGateway } from "./harness.ts"

const narrowKey = "sk-test-narrow-0123456789"
/** Served by the fake, absent from the built-in price table and from the config's `pricing`. */
const unpricedModel = "house-llm-x"

let fake: FakeUpstream
let gateway: RunningGateway
let client: OpenAI

const config = (upstreamUrl: string) => `
providers:
  - { name: fake, type: openai-compatible, base_url: "${upstreamUrl}", keys: ["sk-upstream-1"], models: [gpt-4o-mini, gpt-4o, text-embedding-3-small, gpt-3.5-turbo-instruct, ${unpricedModel}] }
  - { name: local, type: mock, models: [mock-gpt, mock-embed] }
models:
  smart: { targets: [gpt-4o] }
keys:
  - { name: dev, key: "${devKey}", models: ["*"] }
  - { name: narrow, key: "${narrowKey}", models: ["gpt-4o*"] }
pricing:
  gpt-4o-mini: { input_per_mtok: 1, output_per_mtok: 2, cached_input_per_mtok: 0.5 }
  mock-gpt: { input_per_mtok: 3, output_per_mtok: 4 }
`

let sequence = 0
/** A fresh client-chosen request id: it keys the ledger row, so each test finds its own row. */
const nextId = () => `chat-e2e-${++sequence}`
const withId = (id: string) => ({ headers: { "x-request-id": id } })

const rowOf = (id: string): Promise<LedgerRow> => gateway.rowFor(id)

/** The fake's token count for a text (ceil(chars / 4)). */
const fakeTokens = (text: string) => Math.ceil(text.length / 4)
/** Config price of gpt-4o-mini: 1 $/Mtok input, 0.5 cached input, 2 output. */
const miniCost = (prompt: number, completion: number, cached = 0) => ((prompt - cached) * 1 + cached * 0.5 + completion * 2) / 1e6

const upstreamLast = () => {
  const last = fake.last()
  if (last === undefined) throw new Error("the fake upstream received no request")
  return last
}

const upstreamBody = (): Record<string, unknown> => {
  const body = upstreamLast().body
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new Error("upstream body is not a JSON object")
  return body as Record<string, unknown>
}

beforeAll(async () => {
  fake = await startFakeUpstream()
  gateway = await startGateway({ config: config(fake.url) })
  client = new OpenAI({ baseURL: gateway.baseURL, apiKey: devKey, maxRetries: 0 })
})
afterAll(async () => {
  await gateway?.stop()
  await fake?.stop()
})

describe("chat completions through the openai SDK", () => {
  test("non-stream: the upstream's answer comes back unchanged and is recorded", async () => {
    const id = nextId()
    const answer = await client.chat.completions.create(
      { model: "gpt-4o-mini", messages: [{ role: "user", content: "ECHO:ping pong" }] },
      withId(id)
    )
    expect(answer.choices[0]?.message.content).toBe("ping pong")
    expect(answer.choices[0]?.finish_reason).toBe("stop")
    expect(answer.id).toMatch(/^chatcmpl-fake-/)
    const usage = answer.usage!
    expect(usage.prompt_tokens).toBe(fakeTokens("ECHO:ping pong"))
    expect(usage.completion_tokens).toBe(2)

    const row = await rowOf(id)
    expect(row).toMatchObject({
      key_name: "dev",
      endpoint: "chat",
      model: "gpt-4o-mini",
      provider: "fake",
      upstream_model: "gpt-4o-mini",
      stream: 0,
      status: 200,
      error: null,
      prompt_tokens: usage.prompt_tokens,
      completion_tokens: usage.completion_tokens,
      cached_tokens: 0,
      usage_source: "reported",
      unpriced: 0
    })
    expect(row.latency_ms).toBeGreaterThanOrEqual(0)
    expect(row.cost_usd).not.toBeNull()
    expect(row.cost_usd!).toBeCloseTo(miniCost(usage.prompt_tokens, usage.completion_tokens), 12)
  })

  test("a model with no price is flagged unpriced with a null cost, never 0, and /health counts it", async () => {
    const unpricedBefore = ((await (await fetch(`${gateway.url}/health`)).json()) as { unpriced_requests: number }).unpriced_requests
    const id = nextId()
    const answer = await client.chat.completions.create(
      { model: unpricedModel, messages: [{ role: "user", content: "hi" }] },
      withId(id)
    )
    expect(answer.choices[0]?.message.content).toBe("Hello from fake upstream")
    const row = await rowOf(id)
    expect(row).toMatchObject({ model: unpricedModel, provider: "fake", status: 200, usage_source: "reported", unpriced: 1, cost_usd: null })
    expect(row.prompt_tokens).toBe(answer.usage!.prompt_tokens)
    const health = (await (await fetch(`${gateway.url}/health`)).json()) as { status: string; unpriced_requests: number }
    expect(health).toMatchObject({ status: "ok", unpriced_requests: unpricedBefore + 1 })
  })

  test("the body reaches the upstream unchanged (vendor parameters included), with the provider's key", async () => {
    const sent: OpenAI.ChatCompletionCreateParamsNonStreaming & { some_vendor_flag: { a: number; nested: Array<unknown> } } = {
      model: "gpt-4o-mini",
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: [{ type: "text", text: "ECHO:ok" }] }
      ],
      temperature: 0.3,
      top_p: 0.9,
      max_completion_tokens: 12,
      seed: 7,
      stop: ["\n\n"],
      user: "end-user-42",
      metadata: { team: "e2e", run: "1" },
      some_vendor_flag: { a: 1, nested: [true, null, "x", 1.5] }
    }
    const answer = await client.chat.completions.create(sent)
    expect(answer.choices[0]?.message.content).toBe("ok")

    const received = upstreamLast()
    expect(received.method).toBe("POST")
    expect(received.path).toBe("/v1/chat/completions")
    expect(received.body).toEqual(sent)
    expect(received.headers.authorization).toBe("Bearer sk-upstream-1")
    for (const value of Object.values(received.headers)) expect(value).not.toContain(devKey)
  })

  test("a body whose model needs no renaming goes upstream byte for byte: integers past 2^53, 1.0, key order and spacing kept", async () => {
    const text = `{ "messages": [{"role":"user","content":"ECHO:ok"}],\n  "seed": 12345678901234567890, "temperature": 1.0, "model": "gpt-4o-mini" }`
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${devKey}`, "content-type": "application/json" },
      body: text
    })
    expect(response.status).toBe(200)
    expect(upstreamLast().text).toBe(text)
  })

  test("stream without include_usage: every delta in order, finish stop, no usage chunk; the upstream is asked for usage", async () => {
    const id = nextId()
    const prompt = "ECHO:one two three four five"
    const { data: stream, response } = await client.chat.completions
      .create({ model: "gpt-4o-mini", messages: [{ role: "user", content: prompt }], stream: true }, withId(id))
      .withResponse()
    expect(response.headers.get("x-request-id")).toBe(id)
    expect(response.headers.get("content-type")).toContain("text/event-stream")

    const deltas: Array<string> = []
    const finishes: Array<string> = []
    let chunks = 0
    for await (const chunk of stream) {
      chunks++
      expect(chunk.usage ?? null).toBeNull()
      expect(chunk.choices.length).toBe(1)
      const choice = chunk.choices[0]!
      if (choice.delta.content) deltas.push(choice.delta.content)
      if (choice.finish_reason !== null) finishes.push(choice.finish_reason)
    }
    expect(deltas).toEqual(["one", " two", " three", " four", " five"])
    expect(finishes).toEqual(["stop"])
    expect(chunks).toBe(7) // role chunk, 5 content chunks, finish chunk: the usage-only chunk was removed

    const body = upstreamBody()
    expect(body.stream).toBe(true)
    expect(body.stream_options).toEqual({ include_usage: true })

    const row = await rowOf(id)
    expect(row).toMatchObject({
      endpoint: "chat",
      model: "gpt-4o-mini",
      provider: "fake",
      stream: 1,
      status: 200,
      error: null,
      prompt_tokens: fakeTokens(prompt),
      completion_tokens: 5,
      cached_tokens: 0,
      usage_source: "reported",
      unpriced: 0
    })
    expect(row.ttft_ms).not.toBeNull()
    expect(row.ttft_ms!).toBeGreaterThanOrEqual(0)
    expect(row.cost_usd!).toBeCloseTo(miniCost(fakeTokens(prompt), 5), 12)
  })

  test("stream with include_usage: the client gets the usage chunk and the ledger matches it", async () => {
    const id = nextId()
    const stream = await client.chat.completions.create(
      {
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "ECHO:alpha beta gamma" }],
        stream: true,
        stream_options: { include_usage: true }
      },
      withId(id)
    )
    let text = ""
    const usages: Array<OpenAI.CompletionUsage> = []
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ""
      if (chunk.usage) {
        expect(chunk.choices).toEqual([])
        usages.push(chunk.usage)
      }
    }
    expect(text).toBe("alpha beta gamma")
    expect(usages.length).toBe(1)
    const usage = usages[0]!
    expect(usage.prompt_tokens).toBe(fakeTokens("ECHO:alpha beta gamma"))
    expect(usage.completion_tokens).toBe(3)
    expect(upstreamBody().stream_options).toEqual({ include_usage: true })

    const row = await rowOf(id)
    expect(row).toMatchObject({
      stream: 1,
      status: 200,
      prompt_tokens: usage.prompt_tokens,
      completion_tokens: usage.completion_tokens,
      cached_tokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
      usage_source: "reported"
    })
    expect(row.cost_usd!).toBeCloseTo(miniCost(usage.prompt_tokens, usage.completion_tokens), 12)
  })

  test("stream whose upstream never reports usage: estimated tokens and a real cost, never a silent 0", async () => {
    fake.script("gpt-4o-mini", { noUsage: true }, 1)
    const id = nextId()
    const stream = await client.chat.completions.create(
      {
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "ECHO:estimate these five words" }],
        stream: true,
        stream_options: { include_usage: true }
      },
      withId(id)
    )
    let text = ""
    let sawUsage = false
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ""
      if (chunk.usage) sawUsage = true
    }
    expect(text).toBe("estimate these five words")
    expect(sawUsage).toBe(false)

    const row = await rowOf(id)
    expect(row).toMatchObject({ stream: 1, status: 200, usage_source: "estimated", unpriced: 0 })
    expect(row.prompt_tokens!).toBeGreaterThan(0)
    expect(row.completion_tokens!).toBeGreaterThan(0)
    expect(row.cost_usd).not.toBeNull()
    expect(row.cost_usd!).toBeGreaterThan(0)
    expect(row.cost_usd!).toBeCloseTo(miniCost(row.prompt_tokens!, row.completion_tokens!), 12)
  })

  test("non-stream whose upstream reports no usage: estimated too", async () => {
    fake.script("gpt-4o-mini", { noUsage: true }, 1)
    const id = nextId()
    const answer = await client.chat.completions.create(
      { model: "gpt-4o-mini", messages: [{ role: "user", content: "ECHO:no usage here" }] },
      withId(id)
    )
    expect(answer.choices[0]?.message.content).toBe("no usage here")
    expect(answer.usage).toBeUndefined()
    const row = await rowOf(id)
    expect(row).toMatchObject({ stream: 0, status: 200, usage_source: "estimated", unpriced: 0 })
    expect(row.prompt_tokens!).toBeGreaterThan(0)
    expect(row.completion_tokens!).toBeGreaterThan(0)
    expect(row.cost_usd!).toBeGreaterThan(0)
  })

  test("cached tokens reported by the upstream land in the ledger and are billed at the cached price", async () => {
    fake.script("gpt-4o-mini", { cachedTokens: 5 }, 1)
    const id = nextId()
    const prompt = "a prompt that is exactly forty chars...."
    expect(prompt.length).toBe(40)
    const answer = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: prompt }] }, withId(id))
    const usage = answer.usage!
    expect(usage.prompt_tokens).toBe(10)
    expect(usage.prompt_tokens_details?.cached_tokens).toBe(5)
    const row = await rowOf(id)
    expect(row).toMatchObject({ prompt_tokens: 10, completion_tokens: usage.completion_tokens, cached_tokens: 5, usage_source: "reported" })
    expect(row.cost_usd!).toBeCloseTo(miniCost(10, usage.completion_tokens, 5), 12)
  })

  test("cached tokens in a stream's usage chunk land in the ledger", async () => {
    fake.script("gpt-4o-mini", { cachedTokens: 5 }, 1)
    const id = nextId()
    const stream = await client.chat.completions.create(
      { model: "gpt-4o-mini", messages: [{ role: "user", content: "ECHO:cached stream" }], stream: true },
      withId(id)
    )
    let text = ""
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ""
    expect(text).toBe("cached stream")
    const row = await rowOf(id)
    expect(row).toMatchObject({ stream: 1, status: 200, prompt_tokens: 5, completion_tokens: 2, cached_tokens: 5, usage_source: "reported" })
  })
  test("a stream the SDK reads to [DONE] is a success even if the upstream closes its connection a moment later", async () => {
    // The openai SDK stops reading at `data: [DONE]` and drops the connection; with chunkDelayMs the fake
    // closes its stream one delay after [DONE], so the client is gone before the upstream's end arrives.
    fake.script("gpt-4o-mini", { chunkDelayMs: 25 }, 1)
    const id = nextId()
    const stream = await client.chat.completions.create(
      { model: "gpt-4o-mini", messages: [{ role: "user", content: "ECHO:complete answer" }], stream: true },
      withId(id)
    )
    let text = ""
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ""
    expect(text).toBe("complete answer")
    const row = await rowOf(id)
    expect(row).toMatchObject({ stream: 1, status: 200, error: null, usage_source: "reported", completion_tokens: 2 })
  })
})

describe("legacy completions", () => {
  test("non-stream", async () => {
    const id = nextId()
    const answer = await client.completions.create({ model: "gpt-3.5-turbo-instruct", prompt: "ECHO:legacy text" }, withId(id))
    expect(answer.object).toBe("text_completion")
    expect(answer.choices[0]?.text).toBe("legacy text")
    expect(answer.choices[0]?.finish_reason).toBe("stop")
    const usage = answer.usage!
    expect(upstreamLast().path).toBe("/v1/completions")
    expect(upstreamBody()).toEqual({ model: "gpt-3.5-turbo-instruct", prompt: "ECHO:legacy text" })
    const row = await rowOf(id)
    expect(row).toMatchObject({
      endpoint: "completions",
      model: "gpt-3.5-turbo-instruct",
      provider: "fake",
      stream: 0,
      status: 200,
      prompt_tokens: usage.prompt_tokens,
      completion_tokens: usage.completion_tokens,
      usage_source: "reported",
      unpriced: 0
    })
    expect(row.cost_usd).not.toBeNull()
  })

  test("stream", async () => {
    const id = nextId()
    const stream = await client.completions.create(
      { model: "gpt-3.5-turbo-instruct", prompt: "ECHO:streamed legacy words", stream: true },
      withId(id)
    )
    const pieces: Array<string> = []
    const finishes: Array<string> = []
    for await (const chunk of stream) {
      expect(chunk.usage ?? null).toBeNull()
      const choice = chunk.choices[0]!
      if (choice.text !== "") pieces.push(choice.text)
      if (choice.finish_reason !== null) finishes.push(choice.finish_reason)
    }
    expect(pieces).toEqual(["streamed", " legacy", " words"])
    expect(finishes).toEqual(["stop"])
    expect(upstreamBody().stream_options).toEqual({ include_usage: true })
    const row = await rowOf(id)
    expect(row).toMatchObject({
      endpoint: "completions",
      stream: 1,
      status: 200,
      prompt_tokens: fakeTokens("ECHO:streamed legacy words"),
      completion_tokens: 3,
      usage_source: "reported"
    })
    expect(row.ttft_ms).not.toBeNull()
  })
})

describe("embeddings", () => {
  test("SDK default (base64 on the wire) decodes to the upstream's vector; float format gives the same numbers", async () => {
    const id = nextId()
    const input = "embed me please"
    const decoded = await client.embeddings.create({ model: "text-embedding-3-small", input }, withId(id))
    expect(upstreamBody().encoding_format).toBe("base64")
    expect(decoded.data.length).toBe(1)
    const vector = decoded.data[0]!.embedding
    expect(vector.length).toBe(8)

    const float = await client.embeddings.create({ model: "text-embedding-3-small", input, encoding_format: "float" })
    expect(upstreamBody().encoding_format).toBe("float")
    const floats = float.data[0]!.embedding
    expect(floats.length).toBe(8)
    expect(Array.from(vector)).toEqual(floats)

    const row = await rowOf(id)
    expect(row).toMatchObject({
      endpoint: "embeddings",
      model: "text-embedding-3-small",
      provider: "fake",
      stream: 0,
      status: 200,
      prompt_tokens: fakeTokens(input),
      usage_source: "reported"
    })
    expect(decoded.usage.prompt_tokens).toBe(fakeTokens(input))
  })

  test("dimensions and a batch of inputs", async () => {
    const id = nextId()
    const answer = await client.embeddings.create(
      { model: "text-embedding-3-small", input: ["first", "second one"], dimensions: 16 },
      withId(id)
    )
    expect(upstreamBody().dimensions).toBe(16)
    expect(answer.data.map((d) => d.index)).toEqual([0, 1])
    expect(answer.data.map((d) => d.embedding.length)).toEqual([16, 16])
    const row = await rowOf(id)
    expect(row).toMatchObject({ endpoint: "embeddings", prompt_tokens: fakeTokens("firstsecond one"), status: 200 })
  })
})

describe("models list", () => {
  test("lists exactly the bare models and aliases the key may use, no provider/model duplicates", async () => {
    const page = await client.models.list()
    const ids = page.data.map((m) => m.id)
    expect([...ids].sort()).toEqual([
      "gpt-3.5-turbo-instruct",
      "gpt-4o",
      "gpt-4o-mini",
      unpricedModel,
      "mock-embed",
      "mock-gpt",
      "smart",
      "text-embedding-3-small"
    ])
    expect(ids.some((name) => name.includes("/"))).toBe(false)
    for (const model of page.data) expect(model.object).toBe("model")
  })

  test("a key limited to gpt-4o* sees only gpt-4o and gpt-4o-mini", async () => {
    const narrow = new OpenAI({ baseURL: gateway.baseURL, apiKey: narrowKey, maxRetries: 0 })
    const page = await narrow.models.list()
    expect(page.data.map((m) => m.id).sort()).toEqual(["gpt-4o", "gpt-4o-mini"])
  })
})

describe("x-request-id", () => {
  test("a client-sent id is echoed and becomes the ledger row's id", async () => {
    const id = "client-chosen.id:42"
    const { response, request_id } = await client.chat.completions
      .create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }, withId(id))
      .withResponse()
    expect(response.headers.get("x-request-id")).toBe(id)
    expect(request_id).toBe(id)
    const row = await rowOf(id)
    expect(row.model).toBe("gpt-4o-mini")
  })

  test("a client that reuses an id gets a row for every request (ids are the caller's, not unique)", async () => {
    const id = "reused-id-1"
    for (let i = 0; i < 3; i++) {
      await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }, withId(id))
    }
    const deadline = Date.now() + 3000
    while (gateway.rows().filter((r) => r.request_id === id).length < 3 && Date.now() < deadline) await Bun.sleep(20)
    expect(gateway.rows().filter((r) => r.request_id === id).length).toBe(3)
  })

  test("without one, a generated id is returned and keys the ledger row", async () => {
    const { response } = await client.chat.completions
      .create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] })
      .withResponse()
    const id = response.headers.get("x-request-id")
    expect(id).not.toBeNull()
    expect(id!.length).toBeGreaterThan(0)
    // Not the upstream's own id leaking through.
    expect(id!.startsWith("req_fake_")).toBe(false)
    const row = await rowOf(id!)
    expect(row.status).toBe(200)
  })
})

describe("the built-in mock provider answers with no upstream", () => {
  test("chat non-stream with real usage", async () => {
    const before = fake.requests.length
    const id = nextId()
    const answer = await client.chat.completions.create({ model: "mock-gpt", messages: [{ role: "user", content: "ECHO:hello mock" }] }, withId(id))
    expect(answer.choices[0]?.message.content).toBe("hello mock")
    expect(answer.usage).toMatchObject({ prompt_tokens: fakeTokens("ECHO:hello mock"), completion_tokens: fakeTokens("hello mock") })
    expect(fake.requests.length).toBe(before)
    const row = await rowOf(id)
    expect(row).toMatchObject({
      model: "mock-gpt",
      provider: "local",
      upstream_model: "mock-gpt",
      status: 200,
      usage_source: "reported",
      prompt_tokens: answer.usage!.prompt_tokens,
      completion_tokens: answer.usage!.completion_tokens,
      unpriced: 0
    })
    expect(row.cost_usd!).toBeCloseTo((answer.usage!.prompt_tokens * 3 + answer.usage!.completion_tokens * 4) / 1e6, 12)
  })

  test("chat stream with real usage", async () => {
    const before = fake.requests.length
    const id = nextId()
    const stream = await client.chat.completions.create(
      {
        model: "mock-gpt",
        messages: [{ role: "user", content: "ECHO:streaming from the mock" }],
        stream: true,
        stream_options: { include_usage: true }
      },
      withId(id)
    )
    let text = ""
    let deltas = 0
    const usages: Array<OpenAI.CompletionUsage> = []
    for await (const chunk of stream) {
      const content = chunk.choices[0]?.delta.content
      if (content) {
        text += content
        deltas++
      }
      if (chunk.usage) usages.push(chunk.usage)
    }
    expect(text).toBe("streaming from the mock")
    expect(deltas).toBeGreaterThan(1)
    expect(usages.length).toBe(1)
    expect(usages[0]!.completion_tokens).toBe(fakeTokens("streaming from the mock"))
    expect(fake.requests.length).toBe(before)
    const row = await rowOf(id)
    expect(row).toMatchObject({
      provider: "local",
      stream: 1,
      status: 200,
      usage_source: "reported",
      prompt_tokens: usages[0]!.prompt_tokens,
      completion_tokens: usages[0]!.completion_tokens
    })
    expect(row.ttft_ms).not.toBeNull()
  })

  test("embeddings (base64 default and float)", async () => {
    const before = fake.requests.length
    const id = nextId()
    const decoded = await client.embeddings.create({ model: "mock-embed", input: "mock vector" }, withId(id))
    expect(decoded.data[0]!.embedding.length).toBe(8)
    const float = await client.embeddings.create({ model: "mock-embed", input: "mock vector", encoding_format: "float", dimensions: 4 })
    expect(float.data[0]!.embedding.length).toBe(4)
    expect(fake.requests.length).toBe(before)
    const row = await rowOf(id)
    expect(row).toMatchObject({ endpoint: "embeddings", provider: "local", status: 200, prompt_tokens: fakeTokens("mock vector"), usage_source: "reported" })
  })
})
