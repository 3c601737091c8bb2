import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import OpenAI from "openai"
import { type FakeUpstream, startFakeUpstream } from "../fake/upstream.ts"
import { basicConfig, devKey, type RunningGateway, singleAttempt, startGateway } from "./harness.ts"
import { parsePrometheus, valueOf } from "./prometheus.ts"

const adminKey = "sk-admin-0123456789abcdef"
const upstreamKey = "sk-upstream-1"

let fake: FakeUpstream
let gateway: RunningGateway
let client: OpenAI

const config = (extra = "") => basicConfig(fake.url, `pricing:\n  gpt-4o-mini: { input_per_mtok: 1, output_per_mtok: 2 }\n${singleAttempt}\n${extra}`)

beforeAll(async () => {
  fake = await startFakeUpstream({ keys: [upstreamKey] })
  gateway = await startGateway({
    config: config(),
    server: `admin_key: "${adminKey}", cors: { origins: ["https://app.example"] }`
  })
  client = new OpenAI({ baseURL: gateway.baseURL, apiKey: devKey, maxRetries: 0 })
})

afterAll(async () => {
  await gateway?.stop()
  await fake?.stop()
})

const scrape = async () => {
  const response = await fetch(`${gateway.url}/metrics`)
  expect(response.headers.get("content-type")).toStartWith("text/plain; version=0.0.4")
  return parsePrometheus(await response.text())
}

const admin = (path: string, init: RequestInit = {}) =>
  fetch(`${gateway.url}/admin/v1${path}`, { ...init, headers: { authorization: `Bearer ${adminKey}`, ...init.headers } })

const versionNow = async () => ((await (await admin("/config/version")).json()) as { version: string; loaded_at: string })

const waitFor = async (predicate: () => Promise<boolean>, what: string, timeoutMs = 5000) => {
  const until = Date.now() + timeoutMs
  while (!(await predicate())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await Bun.sleep(25)
  }
}

describe("metrics", () => {
  test("/metrics is valid Prometheus exposition and its counters move with requests", async () => {
    const labels = { surface: "chat", model: "gpt-4o-mini", provider: "fake", status: "200", key: "dev" }
    const before = await scrape()
    await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hello metrics" }] })
    const stream = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], stream: true })
    for await (const _ of stream) { /* drain */ }
    await client.chat.completions.create({ model: "no-such-model", messages: [{ role: "user", content: "hi" }] }).catch(() => {})
    await gateway.waitForRows(3)
    const after = await scrape()

    expect(valueOf(after, "sluice_requests_total", labels) - valueOf(before, "sluice_requests_total", labels)).toBe(2)
    // An unknown model is counted without its name as a label: labels never carry raw client input.
    expect(after.some((s) => Object.values(s.labels).includes("no-such-model"))).toBe(false)
    expect(valueOf(after, "sluice_requests_total", { status: "404", model: "-" })).toBeGreaterThanOrEqual(1)
    for (const type of ["prompt", "completion"]) {
      expect(valueOf(after, "sluice_tokens_total", { type, model: "gpt-4o-mini" })).toBeGreaterThan(valueOf(before, "sluice_tokens_total", { type, model: "gpt-4o-mini" }))
    }
    expect(valueOf(after, "sluice_cost_usd_total", { model: "gpt-4o-mini" })).toBeGreaterThan(valueOf(before, "sluice_cost_usd_total", { model: "gpt-4o-mini" }))
    expect(valueOf(after, "sluice_request_duration_seconds_count", { model: "gpt-4o-mini" })).toBeGreaterThanOrEqual(2)
    expect(valueOf(after, "sluice_time_to_first_token_seconds_count", { model: "gpt-4o-mini" })).toBeGreaterThanOrEqual(1)
    expect(valueOf(after, "sluice_upstream_latency_seconds_count", { provider: "fake" })).toBeGreaterThanOrEqual(2)
    expect(valueOf(after, "sluice_provider_up", { provider: "fake", key: "#1" })).toBe(1)
    expect(valueOf(after, "sluice_active_requests")).toBe(0)
    expect(valueOf(after, "sluice_ledger_rows_total")).toBeGreaterThanOrEqual(3)
    for (const name of ["sluice_ledger_queue_depth", "sluice_ledger_write_errors_total", "sluice_retries_total", "sluice_fallbacks_total", "sluice_budget_refusals_total"]) {
      expect(after.some((s) => s.name === name)).toBe(true)
    }
  })

  test("an upstream 429 counts as an upstream rate limit; a 5xx marks the provider down until it answers again", async () => {
    const before = await scrape()
    // retry-after 0: the key's cooldown ends at once, so that the next request reaches the upstream.
    fake.script("gpt-4o-mini", { status: 429, headers: { "retry-after": "0" } }, 1)
    await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }).catch(() => {})
    fake.script("gpt-4o-mini", { status: 503 }, 1)
    await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }).catch(() => {})
    const down = await scrape()
    expect(valueOf(down, "sluice_rate_limited_total", { scope: "upstream" }) - valueOf(before, "sluice_rate_limited_total", { scope: "upstream" })).toBe(1)
    expect(valueOf(down, "sluice_provider_up", { provider: "fake", key: "#1" })).toBe(0)
    // Upstream keys are labelled by position, never by value.
    expect(down.some((s) => Object.values(s.labels).includes(upstreamKey))).toBe(false)
    await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] })
    expect(valueOf(await scrape(), "sluice_provider_up", { provider: "fake", key: "#1" })).toBe(1)
  })

  test("sluice_active_requests counts the requests in flight at the scrape", async () => {
    fake.script("gpt-4o-mini", { latencyMs: 400 }, 2)
    const slow = [1, 2].map(() => client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "slow" }] }))
    await waitFor(async () => fake.inFlight() >= 2, "two requests at the upstream")
    expect(valueOf(await scrape(), "sluice_active_requests")).toBe(2)
    await Promise.all(slow)
    expect(valueOf(await scrape(), "sluice_active_requests")).toBe(0)
  })

  test("x-sluice-overhead-ms: the gateway's own time, excluding the upstream's", async () => {
    fake.script("gpt-4o-mini", { latencyMs: 150 }, 1)
    const { response } = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }).withResponse()
    const overhead = Number(response.headers.get("x-sluice-overhead-ms"))
    expect(Number.isFinite(overhead)).toBe(true)
    expect(overhead).toBeGreaterThanOrEqual(0)
    // The upstream took 150 ms; none of it is counted as overhead.
    expect(overhead).toBeLessThan(150)
  })
})

describe("logs", () => {
  test("one JSON access line per request, with its request id, and no secret anywhere in the output", async () => {
    await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "log me" }] }, { headers: { "x-request-id": "log-line-1" } })
    await new OpenAI({ baseURL: gateway.baseURL, apiKey: "sk-not-a-real-key-42", maxRetries: 0 }).models.list().catch(() => {})
    await admin("/config/version")
    await fetch(`${gateway.url}/admin/v1/config/version`, { headers: { authorization: "Bearer sk-wrong-admin-key" } })
    await gateway.rowFor("log-line-1")
    await waitFor(async () => gateway.output().includes('"request_id":"log-line-1"'), "the access line")
    const line = gateway.output().split("\n").find((l) => l.includes('"request_id":"log-line-1"'))!
    expect(JSON.parse(line)).toMatchObject({ level: "info", msg: "request", key: "dev", model: "gpt-4o-mini", provider: "fake", status: 200 })
    const output = gateway.output()
    for (const secret of [devKey, upstreamKey, adminKey, "sk-not-a-real-key-42", "sk-wrong-admin-key"]) expect(output).not.toContain(secret)
    for (const l of output.split("\n").filter((l) => l.startsWith("{"))) expect(() => JSON.parse(l)).not.toThrow()
  })
})

describe("admin API and live reload", () => {
  test("admin routes need the admin key", async () => {
    expect((await fetch(`${gateway.url}/admin/v1/config/version`)).status).toBe(401)
    expect((await fetch(`${gateway.url}/admin/v1/config/version`, { headers: { "x-api-key": devKey } })).status).toBe(401)
    const version = await versionNow()
    expect(version.version).toMatch(/^[0-9a-f]{16}$/)
    expect(Date.parse(version.loaded_at)).not.toBeNaN()
  })

  test("a valid change applies without dropping a concurrent stream; an invalid one is refused and the old config serves", async () => {
    const before = await versionNow()
    fake.script("gpt-4o-mini", { chunks: 30, chunkDelayMs: 20 }, 1)
    const stream = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "long" }], stream: true }, { headers: { "x-request-id": "reload-stream" } })
    const drained = (async () => {
      let chunks = 0
      for await (const _ of stream) chunks++
      return chunks
    })()

    gateway.writeConfig(config("models:\n  fresh: { targets: [gpt-4o-mini] }\n"))
    await waitFor(async () => (await versionNow()).version !== before.version, "the new version")
    const reply = await client.chat.completions.create({ model: "fresh", messages: [{ role: "user", content: "ECHO: new alias" }] })
    expect(reply.choices[0]!.message.content).toBe("new alias")
    expect(await drained).toBeGreaterThan(30)
    expect((await gateway.rowFor("reload-stream")).status).toBe(200)

    const applied = await versionNow()
    gateway.writeConfig(config("models:\n  fresh: { targets: [no-such-target] }\n"))
    await waitFor(async () => gateway.output().includes("config reload refused"), "the refusal in the log")
    expect(gateway.output()).toContain("models.fresh.targets")
    expect((await versionNow()).version).toBe(applied.version)
    expect((await client.chat.completions.create({ model: "fresh", messages: [{ role: "user", content: "still" }] })).choices).toHaveLength(1)

    const refused = await admin("/config/reload", { method: "POST" })
    expect(refused.status).toBe(400)
    const body = (await refused.json()) as { error: { code: string; problems: Array<{ path: string }> } }
    expect(body.error.code).toBe("invalid_config")
    expect(body.error.problems.map((p) => p.path)).toContain("models.fresh.targets[0]")
    expect((await versionNow()).version).toBe(applied.version)

    gateway.writeConfig(config())
    await waitFor(async () => (await versionNow()).version === before.version, "the original version back")
    const gone = await client.chat.completions.create({ model: "fresh", messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e)
    expect(gone).toBeInstanceOf(OpenAI.NotFoundError)
  })
})

describe("CORS", () => {
  test("a preflight from an allowed origin is answered; responses name the origin and expose the gateway's headers", async () => {
    const preflight = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" }
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://app.example")
    expect(preflight.headers.get("access-control-allow-headers")).toContain("authorization")
    const { response } = await new OpenAI({ baseURL: gateway.baseURL, apiKey: devKey, defaultHeaders: { origin: "https://app.example" } })
      .chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }).withResponse()
    expect(response.headers.get("access-control-allow-origin")).toBe("https://app.example")
    expect(response.headers.get("access-control-expose-headers")).toContain("x-request-id")

    const other = await fetch(`${gateway.url}/health`, { headers: { origin: "https://evil.example" } })
    expect(other.headers.get("access-control-allow-origin")).toBeNull()
  })
})

describe("CORS on a path Elysia serves for a generation route", () => {
  test("a trailing-slash generation path names the origin once", async () => {
    const response = await fetch(`${gateway.baseURL}/chat/completions/`, {
      method: "POST",
      headers: { origin: "https://app.example", authorization: `Bearer ${devKey}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] })
    })
    expect(response.status).toBe(200)
    expect(response.headers.get("vary")).toBe("Origin")
    expect(response.headers.get("access-control-allow-origin")).toBe("https://app.example")
  })
})

describe("admin API off and SIGHUP", () => {
  test("without server.admin_key the admin API answers 403; SIGHUP reloads when file watching is off", async () => {
    const quiet = await startGateway({ config: config(), server: "watch_config: false", env: { LOG_LEVEL: "warn" } })
    try {
      const off = await fetch(`${quiet.url}/admin/v1/config/version`)
      expect(off.status).toBe(403)
      expect(((await off.json()) as { error: { code: string } }).error.code).toBe("admin_api_disabled")
      const quietClient = new OpenAI({ baseURL: quiet.baseURL, apiKey: devKey, maxRetries: 0 })
      quiet.writeConfig(config("models:\n  hup: { targets: [gpt-4o-mini] }\n"))
      await Bun.sleep(300)
      expect(await quietClient.chat.completions.create({ model: "hup", messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e)).toBeInstanceOf(OpenAI.NotFoundError)
      quiet.signal("SIGHUP")
      await waitFor(async () => (await quietClient.chat.completions.create({ model: "hup", messages: [{ role: "user", content: "x" }] }).then(() => true, () => false)), "the SIGHUP reload")
      await quiet.waitForRows(2)
      // LOG_LEVEL=warn: no access lines, no info lines but the start-up summary.
      expect(quiet.output()).not.toContain('"msg":"request"')
      expect(quiet.output()).not.toContain('"msg":"config reloaded"')
    } finally {
      await quiet.stop()
    }
  })
})

describe("body capture", () => {
  test("only for keys (or a ledger) that ask for it, each body cut at capture_max_bytes", async () => {
    const captureKey = "sk-test-capture-0123456789"
    const captured = await startGateway({
      config: `
providers:
  - { name: fake, type: openai-compatible, base_url: "${fake.url}", keys: ["${upstreamKey}"], models: [gpt-4o-mini] }
keys:
  - { name: dev, key: "${devKey}" }
  - { name: audited, key: "${captureKey}", capture_bodies: true }
ledger: { capture_max_bytes: 300 }
`
    })
    try {
      const audited = new OpenAI({ baseURL: captured.baseURL, apiKey: captureKey, maxRetries: 0 })
      const long = "x".repeat(2000)
      await audited.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: long }] }, { headers: { "x-request-id": "cap-1" } })
      const stream = await audited.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], stream: true }, { headers: { "x-request-id": "cap-2" } })
      for await (const _ of stream) { /* drain */ }
      await new OpenAI({ baseURL: captured.baseURL, apiKey: devKey, maxRetries: 0 }).chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "private" }] }, { headers: { "x-request-id": "cap-3" } })

      const first = await captured.rowFor("cap-1")
      expect(first.request_body).toStartWith('{"model":"gpt-4o-mini"')
      expect(first.request_body).toContain("…[truncated")
      expect(Buffer.byteLength(first.request_body!.split("…[truncated")[0]!)).toBeLessThanOrEqual(300)
      expect(first.response_body).toContain("Hello from fake upstream")
      const streamed = await captured.rowFor("cap-2")
      expect(streamed.response_body).toStartWith("data: ")
      const plain = await captured.rowFor("cap-3")
      expect(plain.request_body).toBeNull()
      expect(plain.response_body).toBeNull()
    } finally {
      await captured.stop()
    }
  })
})
