import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test"
import OpenAI from "openai"
import { type FakeUpstream, startFakeUpstream } from "../fake/upstream.ts"
import { devKey, type RunningGateway, startGateway } from "./harness.ts"

// Fault injection against a provider pool: every scenario on loopback, with the fake upstream telling providers
// apart by the upstream model each one maps to (model_map) and by the key it is sent.

const adminKey = "sk-admin-resilience-0123"

let fake: FakeUpstream
let gateway: RunningGateway
let client: OpenAI

const provider = (name: string, models: string, extra = "") =>
  `  - { name: ${name}, type: openai-compatible, base_url: "${fake.url}", keys: ["sk-${name}"], ${models}${extra} }`

/** Two providers serving `model`, mapped to `<model>-a` and `<model>-b` upstream: one per scenario, so that no
 * scenario's cooldowns or circuits reach another's. */
const pair = (model: string, extraA = "") => [
  provider(`${model}-a`, `models: [${model}], model_map: { ${model}: ${model}-a }`, extraA),
  provider(`${model}-b`, `models: [${model}], model_map: { ${model}: ${model}-b }`)
].join("\n")

beforeAll(async () => {
  fake = await startFakeUpstream()
  gateway = await startGateway({
    server: `admin_key: "${adminKey}"`,
    config: `
providers:
${pair("m5xx")}
${pair("mhang", ", timeout_ms: 300")}
${pair("mreset")}
${pair("m429")}
${pair("mlearn")}
${provider("p1", "models: [prio], model_map: { prio: prio-1 }")}
${provider("p2", "models: [prio], model_map: { prio: prio-2 }")}
${provider("prim", "models: [primary]")}
${provider("back", "models: [backup]")}
${provider("tot", "models: [slow-stream]", ", total_timeout_ms: 400")}
  - { name: lim, type: openai-compatible, base_url: "${fake.url}", keys: [{ key: sk-lim, limits: { rpd: 5 } }], models: [rpd-model] }
  - { name: tpmlim, type: openai-compatible, base_url: "${fake.url}", keys: [{ key: sk-tpm, limits: { tpm: 1000 } }], models: [tpm-model] }
  - { name: conc, type: openai-compatible, base_url: "${fake.url}", keys: [{ key: sk-conc, limits: { concurrency: 1 } }], models: [queued] }
models:
  prio: { strategy: priority }
  primary: { fallbacks: [backup], context_window: 200, context_fallback: backup }
resilience: { max_attempts: 3, backoff_ms: 10, max_backoff_ms: 50, queue_timeout_ms: 1500, circuit: { consecutive_failures: 3, open_ms: 600 } }
keys:
  - { name: dev, key: "${devKey}" }
`
  })
  client = new OpenAI({ baseURL: gateway.baseURL, apiKey: devKey, maxRetries: 0 })
})

afterAll(async () => {
  await gateway?.stop()
  await fake?.stop()
})

beforeEach(() => fake.reset())

let sequence = 0
const nextId = () => `res-${++sequence}`
const ask = (model: string, id = nextId()) =>
  client.chat.completions.create({ model, messages: [{ role: "user", content: "hi" }] }, { headers: { "x-request-id": id } })
const sentTo = (upstreamModel: string) => fake.requests.filter((r) => (r.body as { model?: string }).model === upstreamModel)
const admin = (path: string, method = "GET") =>
  fetch(`${gateway.url}${path}`, { method, headers: { authorization: `Bearer ${adminKey}` } })

interface KeyHealth { key: string; state: string; in_flight: number; recent_errors: Array<unknown> }
const healthOf = async (name: string) => {
  const body = (await (await admin("/health/detailed")).json()) as { providers: Array<{ name: string; disabled: boolean; keys: Array<KeyHealth> }> }
  return body.providers.find((p) => p.name === name)!
}

describe("retries and failover", () => {
  test("5xx: retried on the other provider; the circuit opens after 3 failures, then a half-open probe closes it", async () => {
    fake.script("m5xx-a", { status: 500 })
    const ids = Array.from({ length: 8 }, nextId)
    for (const id of ids) expect((await ask("m5xx", id)).choices).toHaveLength(1)
    expect(sentTo("m5xx-a").length).toBe(3)
    expect((await healthOf("m5xx-a")).keys[0]!.state).toBe("open")
    const rows = await Promise.all(ids.map((id) => gateway.rowFor(id)))
    expect(rows.every((row) => row.status === 200 && row.provider === "m5xx-b")).toBe(true)
    expect(rows.filter((row) => row.attempts === 2)).toHaveLength(3)

    fake.reset()
    await Bun.sleep(650)
    expect((await healthOf("m5xx-a")).keys[0]!.state).toBe("half-open")
    for (let i = 0; i < 4; i++) await ask("m5xx")
    expect(sentTo("m5xx-a").length).toBeGreaterThanOrEqual(1)
    expect((await healthOf("m5xx-a")).keys[0]!.state).toBe("ok")
  })

  test("an upstream that hangs times out (504) and the retry goes to the other provider", async () => {
    fake.script("mhang-a", { hang: true })
    const ids = [nextId(), nextId()]
    for (const id of ids) expect((await ask("mhang", id)).choices).toHaveLength(1)
    await fake.waitFor(() => fake.aborted() >= 1)
    const rows = await Promise.all(ids.map((id) => gateway.rowFor(id)))
    expect(rows.some((row) => row.attempts === 2 && row.provider === "mhang-b")).toBe(true)
  })

  test("a reset connection is retried elsewhere", async () => {
    fake.script("mreset-a", { cutAfterChunks: 0 })
    const results = await Promise.all([ask("mreset"), ask("mreset"), ask("mreset")])
    expect(results.every((r) => r.choices.length === 1)).toBe(true)
    expect(sentTo("mreset-a").length).toBeGreaterThanOrEqual(1)
  })

  test("a 429 storm with retry-after on one of two providers: every request succeeds, the limited one waits out its retry-after", async () => {
    fake.script("m429-a", { status: 429, headers: { "retry-after": "1" } })
    for (let i = 0; i < 10; i++) expect((await ask("m429")).choices).toHaveLength(1)
    await Bun.sleep(1100)
    for (let i = 0; i < 6; i++) expect((await ask("m429")).choices).toHaveLength(1)
    const limited = sentTo("m429-a").map((r) => r.at)
    expect(limited.length).toBeGreaterThanOrEqual(2)
    for (let i = 1; i < limited.length; i++) expect(limited[i]! - limited[i - 1]!).toBeGreaterThanOrEqual(950)
    expect(sentTo("m429-b").length).toBe(16)
  })

  test("an upstream that reports no requests remaining is left alone until its reset", async () => {
    fake.script("mlearn-a", { headers: { "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "2s" } })
    for (let i = 0; i < 6; i++) expect((await ask("mlearn")).choices).toHaveLength(1)
    expect(sentTo("mlearn-a")).toHaveLength(1)
    expect(sentTo("mlearn-b")).toHaveLength(5)
    expect((await healthOf("mlearn-a")).keys[0]!.state).toBe("cooling")
  })

  test("once a stream has started, a failure is never retried: it ends with an error event", async () => {
    fake.script("prio-1", { cutAfterChunks: 2 }, 1)
    const id = nextId()
    const stream = await client.chat.completions.create({ model: "prio", messages: [{ role: "user", content: "hi" }], stream: true }, { headers: { "x-request-id": id } })
    const error = await (async () => {
      for await (const _ of stream) { /* drain */ }
    })().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.APIError)
    expect(await gateway.rowFor(id)).toMatchObject({ status: 502, attempts: 1, provider: "p1" })
    expect(sentTo("prio-2")).toHaveLength(0)
  })

  test("a stream that runs past the total timeout ends with its own 504 error event", async () => {
    fake.script("slow-stream", { chunks: 30, chunkDelayMs: 50 }, 1)
    const id = nextId()
    const stream = await client.chat.completions.create({ model: "slow-stream", messages: [{ role: "user", content: "hi" }], stream: true }, { headers: { "x-request-id": id } })
    const error = await (async () => {
      for await (const _ of stream) { /* drain */ }
    })().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.APIError)
    expect(String(error)).toContain("total timeout")
    expect(await gateway.rowFor(id)).toMatchObject({ status: 504, attempts: 1 })
  })

  test("a model whose targets all fail falls back to its fallback model", async () => {
    fake.script("primary", { status: 503 })
    const id = nextId()
    const reply = await ask("primary", id)
    expect(reply.choices).toHaveLength(1)
    expect(await gateway.rowFor(id)).toMatchObject({ status: 200, model: "primary", provider: "back", upstream_model: "backup", attempts: 2 })
  })

  test("a request longer than the model's context window goes to its context fallback", async () => {
    const id = nextId()
    await client.chat.completions.create({ model: "primary", messages: [{ role: "user", content: "x".repeat(1200) }] }, { headers: { "x-request-id": id } })
    expect(await gateway.rowFor(id)).toMatchObject({ status: 200, model: "primary", provider: "back", attempts: 1 })
    expect(sentTo("primary")).toHaveLength(0)
  })

  test("invalid requests and auth errors are never retried", async () => {
    fake.script("prio-1", { status: 400 }, 1)
    const error = await ask("prio").catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect(sentTo("prio-2")).toHaveLength(0)
    expect(sentTo("prio-1")).toHaveLength(1)
  })
})

describe("strategies and switches", () => {
  test("priority: the first provider takes everything until an admin disables it; then the next one does", async () => {
    for (let i = 0; i < 4; i++) await ask("prio")
    expect(sentTo("prio-1")).toHaveLength(4)
    expect((await admin("/admin/v1/providers/p1/disable", "POST")).status).toBe(200)
    expect((await healthOf("p1")).disabled).toBe(true)
    for (let i = 0; i < 3; i++) await ask("prio")
    expect(sentTo("prio-2")).toHaveLength(3)
    expect((await admin("/admin/v1/providers/p1/enable", "POST")).status).toBe(200)
    await ask("prio")
    expect(sentTo("prio-1")).toHaveLength(5)
    expect((await admin("/admin/v1/providers/nope/disable", "POST")).status).toBe(404)
  })

  test("/health/detailed needs the admin key", async () => {
    expect((await fetch(`${gateway.url}/health/detailed`)).status).toBe(401)
    const health = await healthOf("lim")
    expect(health.keys[0]).toMatchObject({ key: "#1", limits: { rpd: 5 } })
  })
})

describe("upstream key limits", () => {
  test("RPD holds exactly under concurrent load: the rest get 429 with Retry-After", async () => {
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => ask("rpd-model")))
    const ok = results.filter((r) => r.status === "fulfilled")
    const refused = results.flatMap((r) => r.status === "rejected" ? [r.reason as InstanceType<typeof OpenAI.APIError>] : [])
    expect(ok).toHaveLength(5)
    expect(refused).toHaveLength(7)
    for (const error of refused) {
      expect(error.status).toBe(429)
      expect(Number(error.headers?.get("retry-after"))).toBeGreaterThan(0)
    }
    expect(sentTo("rpd-model")).toHaveLength(5)
  })

  test("TPM holds under concurrent load: a key's counted tokens (worst case while in flight) never pass its limit", async () => {
    // Each request counts ~320 tokens while in flight (its prompt estimate and max_tokens), 5 once settled (its
    // reported usage): at most 3 fit in 1000 at once, and the next is sent only when one has settled.
    const latencyMs = 200
    fake.script("tpm-model", { latencyMs })
    const asks = Array.from({ length: 12 }, () =>
      client.chat.completions.create({ model: "tpm-model", messages: [{ role: "user", content: "hi" }], max_tokens: 300 }).then(() => 200, (e: InstanceType<typeof OpenAI.APIError>) => e.status))
    const statuses = await Promise.all(asks)
    expect(statuses.every((status) => status === 200 || status === 429)).toBe(true)
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(3)
    const arrivals = sentTo("tpm-model").map((r) => r.at).sort((a, b) => a - b)
    expect(arrivals).toHaveLength(statuses.filter((status) => status === 200).length)
    const overlapping = arrivals.map((at) => arrivals.filter((other) => other <= at && other > at - latencyMs).length)
    expect(Math.max(...overlapping)).toBeLessThanOrEqual(3)
  })

  test("a saturated key queues requests for its capacity, up to the queue deadline", async () => {
    fake.script("queued", { latencyMs: 400 })
    const both = await Promise.all([ask("queued"), ask("queued")])
    expect(both).toHaveLength(2)
    // Concurrency 1: the second reached the upstream only once the first had finished.
    const [first, second] = sentTo("queued").map((r) => r.at)
    expect(second! - first!).toBeGreaterThanOrEqual(380)

    fake.reset()
    fake.script("queued", { latencyMs: 1000 })
    const results = await Promise.allSettled([ask("queued"), ask("queued"), ask("queued")])
    const refused = results.flatMap((r) => r.status === "rejected" ? [r.reason as InstanceType<typeof OpenAI.APIError>] : [])
    expect(refused).toHaveLength(1)
    expect(refused[0]!.status).toBe(429)
    expect(refused[0]!.headers?.get("retry-after")).not.toBeNull()
  })
})
