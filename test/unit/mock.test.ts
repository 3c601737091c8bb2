import { describe, expect, test } from "bun:test"
import { estimateTokens } from "../../src/domain/estimateTokens.ts"
import { mock } from "../../src/providers/mock.ts"

const base = "http://mock.sluice.invalid/v1"

const serve = (path: string, body?: unknown): Promise<Response> => {
  if (mock.serve === undefined) throw new Error("the mock provider must serve in-process")
  return mock.serve(
    body === undefined
      ? new Request(base + path)
      : new Request(base + path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
  )
}

interface Json { readonly [key: string]: unknown }

const jsonOf = async (response: Response): Promise<Json> => (await response.json()) as Json

/** The `data:` payloads of an SSE body, in order; the final one is the raw `[DONE]`. */
const events = async (response: Response): Promise<Array<string>> => {
  const text = await response.text()
  expect(text.endsWith("\n\n")).toBe(true)
  return text.split("\n\n").filter((block) => block !== "").map((block) => {
    expect(block.startsWith("data: ")).toBe(true)
    return block.slice("data: ".length)
  })
}

interface Chunk {
  readonly id: string
  readonly object: string
  readonly model: string
  readonly choices: ReadonlyArray<{
    readonly delta?: { readonly role?: string; readonly content?: string }
    readonly text?: string
    readonly finish_reason: string | null
  }>
  readonly usage?: { readonly prompt_tokens: number; readonly completion_tokens: number } | null
}

const chunks = (payloads: ReadonlyArray<string>): Array<Chunk> => {
  expect(payloads.at(-1)).toBe("[DONE]")
  expect(payloads.filter((p) => p === "[DONE]").length).toBe(1)
  return payloads.slice(0, -1).map((payload) => JSON.parse(payload) as Chunk)
}

const user = (content: string) => ({ model: "mock-gpt", messages: [{ role: "user", content }] })

describe("mock: chat", () => {
  test("a non-streaming answer in OpenAI's shape, with usage", async () => {
    const response = await serve("/chat/completions", user("Hello there"))
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toContain("application/json")
    const body = await jsonOf(response)
    const answer = "This is a mock reply from Sluice to: Hello there"
    expect(body).toMatchObject({
      object: "chat.completion",
      model: "mock-gpt",
      choices: [{ index: 0, message: { role: "assistant", content: answer }, finish_reason: "stop" }],
      usage: {
        prompt_tokens: estimateTokens("Hello there"),
        completion_tokens: estimateTokens(answer),
        total_tokens: estimateTokens("Hello there") + estimateTokens(answer),
        prompt_tokens_details: { cached_tokens: 0 }
      }
    })
    expect(String(body.id)).toStartWith("mock-")
    expect(typeof body.created).toBe("number")
  })

  test("`ECHO:` answers exactly the rest of the last user message", async () => {
    const body = await jsonOf(await serve("/chat/completions", {
      model: "mock-gpt",
      messages: [
        { role: "system", content: "Be terse." },
        { role: "user", content: "ECHO:first" },
        { role: "assistant", content: "first" },
        { role: "user", content: [{ type: "text", text: "ECHO:" }, { type: "text", text: "héllo  wörld" }] }
      ]
    }))
    expect(body).toMatchObject({ choices: [{ message: { content: "héllo  wörld" } }] })
    const prompt = ["Be terse.", "ECHO:first", "first", "ECHO:héllo  wörld"].join("\n")
    expect(body).toMatchObject({ usage: { prompt_tokens: estimateTokens(prompt), completion_tokens: estimateTokens("héllo  wörld") } })
  })

  test("the same request gets the same answer", async () => {
    const a = await jsonOf(await serve("/chat/completions", user("same")))
    const b = await jsonOf(await serve("/chat/completions", user("same")))
    expect(a.choices).toEqual(b.choices)
    expect(a.usage).toEqual(b.usage)
  })

  test("a stream of chunks that reassemble the answer and end with [DONE]", async () => {
    const response = await serve("/chat/completions", { ...user("ECHO:one two  three"), stream: true })
    expect(response.headers.get("content-type")).toBe("text/event-stream")
    const list = chunks(await events(response))
    expect(list[0]!.choices[0]!.delta).toEqual({ role: "assistant", content: "" })
    expect(list.map((c) => c.choices[0]?.delta?.content ?? "").join("")).toBe("one two  three")
    expect(list.every((c) => c.object === "chat.completion.chunk" && c.model === "mock-gpt")).toBe(true)
    expect(new Set(list.map((c) => c.id)).size).toBe(1)
    const last = list.at(-1)!
    expect(last.choices[0]!.finish_reason).toBe("stop")
    expect(last.choices[0]!.delta).toEqual({})
    expect(list.slice(0, -1).every((c) => c.choices[0]!.finish_reason === null)).toBe(true)
    expect(list.some((c) => "usage" in c)).toBe(false)
  })

  test("include_usage adds exactly one usage chunk, last, with no choices", async () => {
    const list = chunks(await events(await serve("/chat/completions", {
      ...user("ECHO:a b"),
      stream: true,
      stream_options: { include_usage: true }
    })))
    const withUsage = list.filter((c) => c.usage !== null && c.usage !== undefined)
    expect(withUsage.length).toBe(1)
    const usageChunk = list.at(-1)!
    expect(withUsage[0]).toBe(usageChunk)
    expect(usageChunk.choices).toEqual([])
    expect(usageChunk.usage).toMatchObject({ prompt_tokens: estimateTokens("ECHO:a b"), completion_tokens: estimateTokens("a b") })
    expect(list.slice(0, -1).every((c) => c.usage === null)).toBe(true)
    expect(list.at(-2)!.choices[0]!.finish_reason).toBe("stop")
  })

  test("include_usage: false adds none", async () => {
    const list = chunks(await events(await serve("/chat/completions", {
      ...user("ECHO:a"),
      stream: true,
      stream_options: { include_usage: false }
    })))
    expect(list.some((c) => "usage" in c)).toBe(false)
  })

  test("stream: false is a plain JSON answer", async () => {
    const response = await serve("/chat/completions", { ...user("ECHO:x"), stream: false })
    expect((await jsonOf(response)).object).toBe("chat.completion")
  })
})

describe("mock: completions", () => {
  test("a non-streaming text completion", async () => {
    const body = await jsonOf(await serve("/completions", { model: "mock-instruct", prompt: "ECHO:done" }))
    expect(body).toMatchObject({
      object: "text_completion",
      model: "mock-instruct",
      choices: [{ index: 0, text: "done", finish_reason: "stop" }],
      usage: { prompt_tokens: estimateTokens("ECHO:done"), completion_tokens: estimateTokens("done") }
    })
  })

  test("an array prompt is joined by newlines", async () => {
    const body = await jsonOf(await serve("/completions", { model: "m", prompt: ["ECHO:a", "b"] }))
    expect(body).toMatchObject({ choices: [{ text: "a\nb" }] })
  })

  test("a streamed completion with usage", async () => {
    const list = chunks(await events(await serve("/completions", {
      model: "m",
      prompt: "ECHO:x y",
      stream: true,
      stream_options: { include_usage: true }
    })))
    expect(list.every((c) => c.object === "text_completion")).toBe(true)
    expect(list.map((c) => c.choices[0]?.text ?? "").join("")).toBe("x y")
    expect(list.filter((c) => c.usage !== null && c.usage !== undefined).length).toBe(1)
    expect(list.at(-1)!.usage).toMatchObject({ completion_tokens: estimateTokens("x y") })
  })
})

describe("mock: embeddings", () => {
  interface EmbeddingList {
    readonly object: string
    readonly model: string
    readonly data: ReadonlyArray<{ readonly object: string; readonly index: number; readonly embedding: ReadonlyArray<number> | string }>
    readonly usage: { readonly prompt_tokens: number; readonly total_tokens: number }
  }

  const embed = async (body: Json): Promise<EmbeddingList> =>
    (await (await serve("/embeddings", { model: "mock-embed", ...body })).json()) as EmbeddingList

  const floats = (embedding: ReadonlyArray<number> | string): ReadonlyArray<number> => {
    if (typeof embedding === "string") throw new Error("expected a float array")
    return embedding
  }

  const decode = (embedding: ReadonlyArray<number> | string): Float32Array => {
    if (typeof embedding !== "string") throw new Error("expected base64")
    const bytes = Buffer.from(embedding, "base64")
    return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)
  }

  test("floats, 8 dimensions by default, with usage", async () => {
    const list = await embed({ input: "hello world" })
    expect(list.object).toBe("list")
    expect(list.model).toBe("mock-embed")
    expect(list.data.length).toBe(1)
    expect(list.data[0]).toMatchObject({ object: "embedding", index: 0 })
    const vector = floats(list.data[0]!.embedding)
    expect(vector.length).toBe(8)
    expect(vector.every((x) => Number.isFinite(x) && x >= -1 && x <= 1)).toBe(true)
    expect(list.usage).toEqual({ prompt_tokens: estimateTokens("hello world"), total_tokens: estimateTokens("hello world") })
  })

  test("`dimensions` sets the length", async () => {
    const list = await embed({ input: "hello", dimensions: 3 })
    expect(floats(list.data[0]!.embedding).length).toBe(3)
  })

  test("an array of inputs gives one indexed vector each, deterministic per input", async () => {
    const list = await embed({ input: ["a", "bb", "a"] })
    expect(list.data.map((d) => d.index)).toEqual([0, 1, 2])
    expect(list.data[0]!.embedding).toEqual(list.data[2]!.embedding)
    expect(list.data[0]!.embedding).not.toEqual(list.data[1]!.embedding)
    expect(list.usage.prompt_tokens).toBe(estimateTokens("a") + estimateTokens("bb") + estimateTokens("a"))
    expect((await embed({ input: "a" })).data[0]!.embedding).toEqual(list.data[0]!.embedding)
  })

  test("base64 is the float32 bytes of the same vector", async () => {
    const plain = floats((await embed({ input: "vector", dimensions: 5 })).data[0]!.embedding)
    const encoded = await embed({ input: "vector", dimensions: 5, encoding_format: "base64" })
    const decoded = decode(encoded.data[0]!.embedding)
    expect(decoded.length).toBe(5)
    expect([...decoded]).toEqual(plain.map((x) => Math.fround(x)))
  })
})

describe("mock: other paths", () => {
  test("GET (models) answers an empty list", async () => {
    expect(await jsonOf(await serve("/models"))).toEqual({ object: "list", data: [] })
  })

  test("an unknown POST path is a 404 in OpenAI's error shape", async () => {
    const response = await serve("/images/generations", { model: "m", prompt: "cat" })
    expect(response.status).toBe(404)
    expect(await jsonOf(response)).toMatchObject({ error: { type: "invalid_request_error", message: "Unknown path /v1/images/generations" } })
  })

  test("the adapter points at its in-process base URL", () => {
    expect(mock.defaultBaseUrl).toBe(base)
    expect(mock.requiresKey).toBe(false)
  })
})
