import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import OpenAI from "openai"
import { type FakeUpstream, startFakeUpstream } from "../fake/upstream.ts"
import { devKey, type RunningGateway, spawnGateway, startGateway } from "./harness.ts"

const secrets = {
  capped: "sk-test-capped-000000001",
  quota: "sk-test-quota-000000001",
  rpm: "sk-test-rpm-00000000001",
  blocked: "sk-test-blocked-0000001",
  single: "sk-test-single-00000001",
  unpricedOk: "sk-test-unpriced-000001",
  tpm: "sk-test-tpm-00000000001"
}

// Every request of the budget race has this body: its worst case is its byte count (an upper bound for its
// prompt tokens) plus max_tokens, at $1000 per million tokens both ways.
const raceBody = JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], max_tokens: 10 })
const worstUsd = (Buffer.byteLength(raceBody) + 10) * 1000 / 1e6
const budgetUsd = worstUsd * 50.5

const config = (url: string) => `
providers:
  - { name: fake, type: openai-compatible, base_url: "${url}", keys: ["sk-upstream-1"], models: [gpt-4o-mini, gpt-4o, free-model] }
resilience: { max_attempts: 1 }
keys:
  - { name: dev, key: "${devKey}" }
  - { name: capped, key: "${secrets.capped}", budget: { usd: ${budgetUsd}, period: monthly } }
  - { name: quota, key: "${secrets.quota}", token_quota: { tokens: 100, period: daily } }
  - { name: rpm, key: "${secrets.rpm}", limits: { rpm: 2, tpm: 100000 } }
  - { name: blocked, key: "${secrets.blocked}", limits: { rps: 0, burst: 0 } }
  - { name: single, key: "${secrets.single}", limits: { concurrency: 1 } }
  - { name: tpm, key: "${secrets.tpm}", limits: { tpm: 200 } }
  - { name: unpriced-ok, key: "${secrets.unpricedOk}", budget: { usd: 1, period: daily }, allow_unpriced: true }
pricing:
  gpt-4o-mini: { input_per_mtok: 1000, output_per_mtok: 1000 }
  gpt-4o: { input_per_mtok: 1, output_per_mtok: 1 }
`

let fake: FakeUpstream
let gateway: RunningGateway

beforeAll(async () => {
  fake = await startFakeUpstream()
  gateway = await startGateway({ config: config(fake.url) })
})

afterAll(async () => {
  await gateway?.stop()
  await fake?.stop()
})

const post = (secret: string, body: string | object, headers: Record<string, string> = {}) =>
  fetch(`${gateway.baseURL}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body)
  })

const chat = (model: string, extra: object = {}) => ({ model, messages: [{ role: "user", content: "hi" }], ...extra })

const keyInfo = async (secret: string, url = gateway.url) => {
  const response = await fetch(`${url}/v1/key/info`, { headers: { authorization: `Bearer ${secret}` } })
  expect(response.status).toBe(200)
  return await response.json() as { name: string; spend: { budget: { spent_usd: number; limit_usd: number; reserved_usd: number; remaining_usd: number } | null; tokens: unknown } }
}

describe("budgets: admission by reservation", () => {
  test("200 concurrent requests against a budget that fits 50: at most 50 admitted, the settled total within the budget, and it survives a restart", async () => {
    // Slow answers keep every admitted request in flight while the others arrive.
    fake.script("gpt-4o-mini", { latencyMs: 3000 }, 200)
    const responses = await Promise.all(Array.from({ length: 200 }, (_, i) => post(secrets.capped, raceBody, { "x-request-id": `race-${i}` })))
    const admitted = responses.filter((response) => response.status === 200)
    const refused = responses.filter((response) => response.status === 429)
    expect(admitted.length).toBeGreaterThan(0)
    expect(admitted.length).toBeLessThanOrEqual(50)
    expect(admitted.length + refused.length).toBe(200)
    const refusal = await refused[0]!.json() as { error: { type: string; code: string; message: string } }
    expect(refusal.error).toMatchObject({ type: "insufficient_quota", code: "budget_exceeded" })
    expect(refusal.error.message).toContain("left of its monthly budget")
    await Promise.all(admitted.map((response) => response.text()))

    const rows = (await gateway.waitForRows(200, 10_000)).filter((row) => row.request_id.startsWith("race-"))
    expect(rows).toHaveLength(200)
    const settled = rows.reduce((sum, row) => sum + (row.cost_usd ?? 0), 0)
    expect(settled).toBeGreaterThan(0)
    expect(settled).toBeLessThanOrEqual(budgetUsd)
    expect(rows.filter((row) => row.status === 429).every((row) => row.cost_usd === null)).toBe(true)

    const before = await keyInfo(secrets.capped)
    expect(before.spend.budget).toMatchObject({ limit_usd: expect.closeTo(budgetUsd, 9), reserved_usd: 0 })
    expect(before.spend.budget!.spent_usd).toBeCloseTo(settled, 6)

    // Restart on the same database: the spend is rebuilt from the ledger.
    expect(await gateway.stop()).toBe(0)
    const again = await spawnGateway({ configPath: join(gateway.dir, "config.yaml"), cwd: gateway.dir })
    try {
      const after = await keyInfo(secrets.capped, again.url)
      expect(after.spend.budget!.spent_usd).toBeCloseTo(settled, 6)
      expect(after.spend.budget!.remaining_usd).toBeCloseTo(budgetUsd - settled, 6)
    } finally {
      await again.stop()
    }
    gateway = await startGateway({ config: config(fake.url) })
  })

  test("a request whose worst case does not fit the token quota is refused before it goes upstream", async () => {
    const sent = fake.requests.length
    const refused = await post(secrets.quota, chat("gpt-4o", { max_tokens: 500 }))
    expect(refused.status).toBe(429)
    expect((await refused.json() as { error: { code: string; message: string } }).error).toMatchObject({
      code: "budget_exceeded",
      message: expect.stringContaining("Token quota exceeded")
    })
    expect(fake.requests.length).toBe(sent)
    expect((await post(secrets.quota, chat("gpt-4o", { max_tokens: 5 }))).status).toBe(200)
  })

  test("a model without a price: 403 for a key with a budget, served (and flagged) for one allowed unpriced models", async () => {
    const refused = await post(secrets.capped, chat("free-model"))
    expect(refused.status).toBe(403)
    expect((await refused.json() as { error: { code: string } }).error.code).toBe("model_unpriced")
    const allowed = await post(secrets.unpricedOk, chat("free-model", { max_tokens: 5 }), { "x-request-id": "unpriced-ok" })
    expect(allowed.status).toBe(200)
    const row = await gateway.rowFor("unpriced-ok")
    expect(row).toMatchObject({ unpriced: 1, cost_usd: null })
  })
})

describe("key rate limits", () => {
  test("RPM: successes carry OpenAI's x-ratelimit headers; the refusal is a 429 with Retry-After", async () => {
    const first = await post(secrets.rpm, chat("gpt-4o"))
    expect(first.status).toBe(200)
    expect(first.headers.get("x-ratelimit-limit-requests")).toBe("2")
    expect(first.headers.get("x-ratelimit-remaining-requests")).toBe("1")
    expect(first.headers.get("x-ratelimit-reset-requests")).toMatch(/^\d+(\.\d+)?s$|^\d+m[\d.]+s$/)
    expect(first.headers.get("x-ratelimit-limit-tokens")).toBe("100000")
    expect(Number(first.headers.get("x-ratelimit-remaining-tokens"))).toBeLessThan(100000)
    expect((await post(secrets.rpm, chat("gpt-4o"))).headers.get("x-ratelimit-remaining-requests")).toBe("0")
    const refused = await post(secrets.rpm, chat("gpt-4o"))
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0)
    expect(refused.headers.get("x-ratelimit-remaining-requests")).toBe("0")
    expect((await refused.json() as { error: { type: string; code: string } }).error).toMatchObject({ type: "rate_limit_error", code: "rate_limit_exceeded" })
  })

  test("TPM: a request counts its worst case on admission; one larger than the limit is refused outright", async () => {
    const ok = await post(secrets.tpm, chat("gpt-4o", { max_tokens: 100 }))
    expect(ok.status).toBe(200)
    expect(ok.headers.get("x-ratelimit-limit-tokens")).toBe("200")
    const tooBig = await post(secrets.tpm, chat("gpt-4o", { max_tokens: 500 }))
    expect(tooBig.status).toBe(429)
    expect((await tooBig.json() as { error: { message: string } }).error.message).toContain("more than the key's 200 per minute")
    expect(tooBig.headers.get("retry-after")).toBeNull()
  })

  test("rps 0 with burst 0 blocks every request", async () => {
    const refused = await post(secrets.blocked, chat("gpt-4o"))
    expect(refused.status).toBe(429)
    expect((await refused.json() as { error: { message: string } }).error.message).toContain("requests per second")
  })

  test("concurrency 1: a second request while the first is in flight is refused; after it, admitted again", async () => {
    fake.script("gpt-4o", { latencyMs: 1500 }, 1)
    const slow = post(secrets.single, chat("gpt-4o"))
    await fake.waitFor(() => fake.inFlight() > 0, 5000)
    const refused = await post(secrets.single, chat("gpt-4o"))
    expect(refused.status).toBe(429)
    expect((await slow).status).toBe(200)
    expect((await post(secrets.single, chat("gpt-4o"))).status).toBe(200)
  })

  test("the official SDK sees the limit as a RateLimitError", async () => {
    const client = new OpenAI({ apiKey: secrets.blocked, baseURL: gateway.baseURL, maxRetries: 0 })
    const error = await client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.RateLimitError)
  })
})

describe("GET /v1/key/info", () => {
  test("shows the calling key's limits and budget, never its secret; a bad key gets 401", async () => {
    const info = await keyInfo(secrets.rpm)
    expect(info).toMatchObject({ id: "config:rpm", name: "rpm", source: "config", limits: { rpm: 2, tpm: 100000 } })
    expect(JSON.stringify(info)).not.toContain(secrets.rpm)
    const bad = await fetch(`${gateway.url}/v1/key/info`, { headers: { authorization: "Bearer sk-nope" } })
    expect(bad.status).toBe(401)
  })
})

describe("server.auth: none", () => {
  test("is refused unless the server binds to loopback", async () => {
    const open = await startGateway({ config: config(fake.url), server: "auth: none" })
    try {
      const response = await fetch(`${open.baseURL}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(chat("gpt-4o"))
      })
      expect(response.status).toBe(200)
    } finally {
      await open.stop()
    }
    const configPath = join(open.dir, "exposed.yaml")
    writeFileSync(configPath, `server: { host: 0.0.0.0, port: 0, auth: none }\ndatabase: { url: "sqlite::memory:" }\n${config(fake.url)}`)
    await expect(spawnGateway({ configPath, cwd: open.dir })).rejects.toThrow(/only binds to loopback/)
  })
})
