import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import OpenAI from "openai"
import type { ChatCompletionChunk } from "openai/resources/chat/completions"
import { type FakeUpstream, startFakeUpstream } from "../fake/upstream.ts"
import {
  basicConfig,
  devKey,
  type LedgerRow,
  type RunningGateway,
  spawnGateway,
  type SpawnedGateway,
  startGateway
} from "./harness.ts"

const messages = [{ role: "user" as const, content: "Say something" }]

let fake: FakeUpstream
const cleanups: Array<() => Promise<unknown> | void> = []

beforeAll(async () => {
  fake = await startFakeUpstream()
})
beforeEach(() => {
  fake.reset()
})
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
  await fake?.stop()
})

const clientFor = (baseURL: string) => new OpenAI({ baseURL, apiKey: devKey, maxRetries: 0 })

const waitUntil = async (predicate: () => boolean, what: string, timeoutMs = 5000) => {
  const deadline = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await Bun.sleep(5)
  }
}

/** A gateway on a config file written by hand (startGateway always makes a new dir and database). */
const spawnServe = async (configPath: string, cwd: string): Promise<SpawnedGateway> => {
  const gateway = await spawnGateway({ configPath, cwd })
  cleanups.push(() => gateway.stop("SIGKILL"))
  return gateway
}

const started = async (config: string): Promise<RunningGateway> => {
  const gateway = await startGateway({ config })
  cleanups.push(async () => {
    await gateway.stop("SIGKILL")
    rmSync(gateway.dir, { recursive: true, force: true })
  })
  return gateway
}

/** The SSE text of a whole stream, read through the SDK's raw response. */
const streamText = async (client: OpenAI, model: string): Promise<{ status: number; text: string }> => {
  const response = await client.chat.completions.create({ model, messages, stream: true }).asResponse()
  return { status: response.status, text: await response.text() }
}

const dataEvents = (sse: string): Array<string> =>
  sse.split("\n\n").filter((e) => e.startsWith("data:")).map((e) => e.slice(5).trim())

describe("client disconnects cancel the upstream request", () => {
  let gateway: RunningGateway
  let client: OpenAI

  beforeAll(async () => {
    gateway = await started(basicConfig(fake.url))
    client = clientFor(gateway.baseURL)
  })

  const newRows = async (before: number, count: number): Promise<Array<LedgerRow>> =>
    (await gateway.waitForRows(before + count)).slice(before)

  test("non-stream: aborting while the upstream hangs aborts the upstream and records 499", async () => {
    fake.script("gpt-4o", { hang: true })
    const before = gateway.rows().length
    const controller = new AbortController()
    const answer = client.chat.completions.create({ model: "gpt-4o", messages }, { signal: controller.signal })
    const settled = answer.then(() => "answered", (error: unknown) => error)
    await fake.waitFor(() => fake.inFlight() === 1, 5000)
    controller.abort()
    expect(await settled).toBeInstanceOf(OpenAI.APIUserAbortError)
    await fake.waitFor(() => fake.aborted() === 1, 1000)
    expect(fake.inFlight()).toBe(0)
    const [row] = await newRows(before, 1)
    expect(row).toMatchObject({ key_name: "dev", model: "gpt-4o", provider: "fake", stream: 0, status: 499 })
  })

  test("non-stream with a slow upstream (latencyMs) is cancelled the same way", async () => {
    fake.script("gpt-4o", { latencyMs: 5000 })
    const before = gateway.rows().length
    const controller = new AbortController()
    const settled = client.chat.completions.create({ model: "gpt-4o", messages }, { signal: controller.signal })
      .then(() => "answered", (error: unknown) => error)
    await fake.waitFor(() => fake.inFlight() === 1, 5000)
    controller.abort()
    expect(await settled).toBeInstanceOf(OpenAI.APIUserAbortError)
    await fake.waitFor(() => fake.aborted() === 1, 1000)
    const [row] = await newRows(before, 1)
    expect(row).toMatchObject({ model: "gpt-4o", stream: 0, status: 499 })
  })

  test("mid-stream: aborting after 2 chunks aborts the upstream; 499 with an estimated usage", async () => {
    fake.script("gpt-4o", { chunkDelayMs: 200, chunks: 50 })
    const before = gateway.rows().length
    const stream = await client.chat.completions.create({ model: "gpt-4o", messages, stream: true })
    const seen: Array<ChatCompletionChunk> = []
    for await (const chunk of stream) {
      seen.push(chunk)
      if (seen.length === 2) {
        stream.controller.abort()
        break
      }
    }
    expect(seen).toHaveLength(2)
    expect(seen.some((c) => (c.choices[0]?.delta.content ?? "") !== "")).toBe(true)
    await fake.waitFor(() => fake.aborted() === 1, 1000)
    expect(fake.inFlight()).toBe(0)
    const [row] = await newRows(before, 1)
    expect(row).toMatchObject({ model: "gpt-4o", stream: 1, status: 499, usage_source: "estimated" })
    expect(row!.completion_tokens).toBeGreaterThan(0)
    expect(row!.prompt_tokens).toBeGreaterThan(0)
  })

  test("100 concurrent streaming clients that hang up leave no upstream request open", async () => {
    fake.script("gpt-4o", { chunkDelayMs: 200, chunks: 50 })
    const before = gateway.rows().length
    const streams = await Promise.all(
      Array.from({ length: 100 }, async () => {
        const stream = await client.chat.completions.create({ model: "gpt-4o", messages, stream: true })
        const first = await stream[Symbol.asyncIterator]().next()
        expect(first.done).toBe(false)
        return stream
      })
    )
    await fake.waitFor(() => fake.inFlight() === 100, 5000)
    for (const stream of streams) stream.controller.abort()
    await fake.waitFor(() => fake.inFlight() === 0 && fake.aborted() === 100, 5000)
    expect(fake.inFlight()).toBe(0)
    expect(fake.aborted()).toBe(100)
    const rows = await newRows(before, 100)
    expect(rows).toHaveLength(100)
    expect(rows.every((r) => r.status === 499 && r.stream === 1)).toBe(true)
  })

  test("the gateway still serves after the disconnects", async () => {
    const answer = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "ECHO:alive" }] })
    expect(answer.choices[0]?.message.content).toBe("alive")
  })
})

describe("graceful shutdown", () => {
  test("SIGTERM drains 20 streams and 20 non-stream requests, refuses new ones, exits 0 with 40 rows", async () => {
    const gateway = await started(basicConfig(fake.url))
    const client = clientFor(gateway.baseURL)
    fake.script("gpt-4o", { chunkDelayMs: 60, chunks: 10 })
    fake.script("gpt-4o-mini", { latencyMs: 500 })

    const streams = Array.from({ length: 20 }, () => streamText(client, "gpt-4o"))
    const answers = Array.from({ length: 20 }, () =>
      client.chat.completions.create({ model: "gpt-4o-mini", messages }))
    await fake.waitFor(() => fake.inFlight() === 40, 5000)

    const exited = gateway.stop("SIGTERM")
    await waitUntil(() => gateway.output().includes('"msg":"draining"'), "the draining log line")
    // A new connection after the signal must not be served.
    const late = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: "POST",
      keepalive: false,
      headers: { authorization: `Bearer ${devKey}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages })
    }).then((response) => `status ${response.status}`, (error: unknown) => error)
    expect(late).toBeInstanceOf(Error)
    expect((late as Error & { code?: string }).code).toBe("ECONNREFUSED")
    // Through the SDK too (its connection pool may hold idle keep-alive sockets): no answer.
    const lateSdk = await client.chat.completions.create({ model: "gpt-4o-mini", messages })
      .then(() => "answered", (error: unknown) => error)
    expect(lateSdk).toBeInstanceOf(OpenAI.APIConnectionError)

    for (const { status, text } of await Promise.all(streams)) {
      expect(status).toBe(200)
      const events = dataEvents(text)
      expect(events.at(-1)).toBe("[DONE]")
      const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as ChatCompletionChunk)
      expect(chunks.some((c) => c.choices[0]?.finish_reason === "stop")).toBe(true)
      expect(chunks.filter((c) => (c.choices[0]?.delta.content ?? "") !== "")).toHaveLength(10)
    }
    for (const answer of await Promise.all(answers)) {
      expect(answer.choices[0]?.finish_reason).toBe("stop")
      expect(answer.choices[0]?.message.content).toBe("Hello from fake upstream")
    }

    expect(await exited).toBe(0)
    const rows = gateway.rows()
    expect(rows).toHaveLength(40)
    expect(rows.every((r) => r.status === 200)).toBe(true)
    expect(rows.filter((r) => r.stream === 1)).toHaveLength(20)
    expect(rows.filter((r) => r.usage_source === "reported")).toHaveLength(40)
    // The process has exited: its last log line may still be in the pipe.
    await waitUntil(() => gateway.output().includes('"msg":"stopped"'), "the stopped log line")
  })

  test("a second signal during draining exits at once with a non-zero code", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-e2e-"))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const configPath = join(dir, "config.yaml")
    writeFileSync(
      configPath,
      `server: { host: 127.0.0.1, port: 0, shutdown_timeout_ms: 600000 }\ndatabase: { url: "sqlite:${join(dir, "sluice.db")}" }\n${basicConfig(fake.url)}`
    )
    const gateway = await spawnServe(configPath, dir)
    const client = clientFor(gateway.baseURL)
    fake.script("gpt-4o", { chunkDelayMs: 200, chunks: 100 })

    const stream = await client.chat.completions.create({ model: "gpt-4o", messages, stream: true })
    const iterator = stream[Symbol.asyncIterator]()
    expect((await iterator.next()).done).toBe(false)
    await fake.waitFor(() => fake.inFlight() === 1, 5000)

    void gateway.stop("SIGTERM")
    await waitUntil(() => gateway.output().includes('"msg":"draining"'), "the draining log line")
    const code = await gateway.stop("SIGINT")
    expect(code).not.toBe(0)

    // The long stream was cut, not completed: the client never sees a finish.
    let finished = false
    try {
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        if (next.value.choices[0]?.finish_reason === "stop") finished = true
      }
    } catch {
      // a broken connection is the expected way for it to end
    }
    expect(finished).toBe(false)
    await fake.waitFor(() => fake.aborted() === 1, 1000)
    expect(fake.inFlight()).toBe(0)
  })

  test("restart keeps the ledger: rows from before a graceful stop are still there", async () => {
    const first = await started(basicConfig(fake.url))
    const client1 = clientFor(first.baseURL)
    await client1.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "ECHO:one" }] })
    const s = await client1.chat.completions.create({ model: "gpt-4o", messages, stream: true })
    for await (const _ of s) {
      // drain
    }
    await client1.embeddings.create({ model: "text-embedding-3-small", input: "hello" })
    const written = await first.waitForRows(3)
    expect(await first.stop("SIGTERM")).toBe(0)
    expect(first.rows()).toEqual(written)

    // Same config file, same database, new process.
    const second = await spawnServe(join(first.dir, "config.yaml"), first.dir)
    expect(first.rows()).toEqual(written)
    const health = await fetch(`${second.url}/health`)
    expect(health.status).toBe(200)
    const client2 = clientFor(second.baseURL)
    await client2.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "ECHO:two" }] })
    const after = await first.waitForRows(4)
    expect(after).toHaveLength(4)
    expect(after.slice(0, 3)).toEqual(written)
    expect(after[3]).toMatchObject({ model: "gpt-4o-mini", status: 200 })
    expect(new Set(after.map((r) => r.id)).size).toBe(4)

    expect(await second.stop("SIGTERM")).toBe(0)
    expect(first.rows()).toHaveLength(4)
  })
})
