import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { type FakeUpstream, startFakeUpstream } from "../fake/upstream.ts"
import { devKey, type RunningGateway, startGateway } from "./harness.ts"

// Active probes: circuits stay open for a minute unless a probe closes them earlier.
const adminKey = "sk-admin-probes-0123"

let fake: FakeUpstream
let gateway: RunningGateway

beforeAll(async () => {
  fake = await startFakeUpstream()
  gateway = await startGateway({
    server: `admin_key: "${adminKey}"`,
    config: `
providers:
  - { name: probed, type: openai-compatible, base_url: "${fake.url}", keys: ["sk-probed-1", "sk-probed-2"], models: [healing], probe: { interval_ms: 200 } }
  - { name: unprobed, type: openai-compatible, base_url: "${fake.url}", keys: ["sk-unprobed"], models: [stuck] }
  - { name: gone, type: openai-compatible, base_url: "http://127.0.0.1:1/v1", keys: ["sk-gone"], models: [nowhere], probe: { interval_ms: 100, timeout_ms: 1000 } }
resilience: { max_attempts: 1, circuit: { consecutive_failures: 2, open_ms: 60000 } }
keys:
  - { name: dev, key: "${devKey}" }
`
  })
})

afterAll(async () => {
  await gateway?.stop()
  await fake?.stop()
})

interface KeyHealth { key: string; state: string; recent_errors: Array<{ message: string }> }
const healthOf = async (name: string) => {
  const response = await fetch(`${gateway.url}/health/detailed`, { headers: { authorization: `Bearer ${adminKey}` } })
  const body = await response.json() as { providers: Array<{ name: string; keys: Array<KeyHealth> }> }
  return body.providers.find((p) => p.name === name)!.keys
}

const waitUntil = async (check: () => Promise<boolean>, timeoutMs = 10_000) => {
  const until = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > until) throw new Error("timed out")
    await Bun.sleep(50)
  }
}

const ask = (model: string) =>
  fetch(`${gateway.baseURL}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${devKey}`, "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] })
  })

describe("active probes", () => {
  test("each key's models list is asked for at the interval, with that key", async () => {
    await fake.waitFor(() => {
      const probes = fake.requests.filter((r) => r.method === "GET" && r.path === "/v1/models")
      return ["sk-probed-1", "sk-probed-2"].every((key) => probes.filter((r) => r.headers.authorization === `Bearer ${key}`).length >= 2)
    }, 10_000)
    expect(fake.requests.some((r) => r.headers.authorization === "Bearer sk-unprobed")).toBe(false)
  })

  test("a successful probe closes an open circuit long before its open time ends; without probes it stays open", async () => {
    fake.script("healing", { status: 500 }, 4)
    fake.script("stuck", { status: 500 }, 2)
    for (let i = 0; i < 4; i++) expect((await ask("healing")).status).toBe(502)
    for (let i = 0; i < 2; i++) expect((await ask("stuck")).status).toBe(502)
    expect((await healthOf("unprobed"))[0]!.state).toBe("open")
    // The upstream has recovered (its scripts are used up): the next probes close both keys' circuits.
    await waitUntil(async () => (await healthOf("probed")).every((key) => key.state === "ok"))
    expect((await ask("healing")).status).toBe(200)
    expect((await healthOf("unprobed"))[0]!.state).toBe("open")
    expect((await ask("stuck")).status).toBe(429)
  })

  test("failing probes open the circuit of an unreachable upstream before any client request meets it", async () => {
    await waitUntil(async () => (await healthOf("gone"))[0]!.state === "open")
    const [key] = await healthOf("gone")
    expect(key!.recent_errors.some((error) => error.message.startsWith("probe:"))).toBe(true)
  })
})
