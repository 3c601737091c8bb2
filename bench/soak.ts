// `bun bench/soak.ts [--seconds 600] [--concurrency 16] [--binary]`: mixed load with injected faults against the
// real gateway and the test suite's fake upstream, all on loopback. Reports the error rate, the gateway's memory
// at start and end, and whether the ledger holds exactly one row per request sent. Results go to bench/results/.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { parseArgs } from "node:util"
import { startFakeUpstream } from "../test/fake/upstream.ts"
import { devKey, startGateway } from "../test/e2e/harness.ts"

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { seconds: { type: "string", default: "600" }, concurrency: { type: "string", default: "16" }, binary: { type: "boolean", default: false } }
})
const seconds = Number(values.seconds)
const concurrency = Number(values.concurrency)

const fake = await startFakeUpstream()
const gateway = await startGateway({
  binary: values.binary,
  config: `
providers:
  - { name: a, type: openai-compatible, base_url: "${fake.url}", keys: ["sk-a1", "sk-a2"], models: [m], model_map: { m: m-a }, timeout_ms: 500, stream_idle_timeout_ms: 500 }
  - { name: b, type: openai-compatible, base_url: "${fake.url}", keys: ["sk-b"], models: [m], model_map: { m: m-b }, timeout_ms: 500, stream_idle_timeout_ms: 500 }
  - { name: c, type: anthropic, base_url: "${fake.origin}", keys: ["sk-c"], models: [m], model_map: { m: m-c }, timeout_ms: 500, stream_idle_timeout_ms: 500 }
resilience: { max_attempts: 3, backoff_ms: 20, max_backoff_ms: 200, queue_timeout_ms: 2000, circuit: { consecutive_failures: 5, open_ms: 2000 } }
logging: { access_log: false }
keys:
  - { name: dev, key: "${devKey}" }
`
})

const rssKiB = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${gateway.pid}/status`, "utf8"))?.[1] ?? 0)
const headers = { authorization: `Bearer ${devKey}`, "content-type": "application/json" }
const messages = [{ role: "user", content: "Tell me something about load testing." }]
const requests = [
  { path: "/v1/chat/completions", body: { model: "m", messages } },
  { path: "/v1/chat/completions", body: { model: "m", messages, stream: true } },
  { path: "/v1/messages", body: { model: "m", max_tokens: 64, messages } },
  { path: "/v1/responses", body: { model: "m", input: "hello", stream: true } }
]
const faults = [
  { status: 500 },
  { status: 429, headers: { "retry-after": "1" } },
  { cutAfterChunks: 2 },
  { hang: true },
  { malformedAfterChunks: 1 },
  { latencyMs: 300 }
]

let sent = 0
const statuses = new Map<string, number>()
const count = (key: string) => statuses.set(key, (statuses.get(key) ?? 0) + 1)

const one = async () => {
  const request = requests[Math.floor(Math.random() * requests.length)]!
  sent++
  try {
    const response = await fetch(`${gateway.url}${request.path}`, {
      method: "POST",
      headers,
      body: JSON.stringify(request.body),
      signal: AbortSignal.timeout(30_000)
    })
    const text = await response.text()
    // A stream that broke after it started still answered 200: its error event is what the client sees.
    count(response.status === 200 && /^data: \{"error"|^event: error/m.test(text) ? "200+error event" : String(response.status))
  } catch (cause) {
    count(cause instanceof Error && cause.name === "TimeoutError" ? "client timeout (30 s)" : "network error")
  }
}

// Warm up, then measure memory from a steady start.
for (let i = 0; i < 200; i++) await one()
await Bun.sleep(500)
const rssStart = rssKiB()
const started = Date.now()
const deadline = started + seconds * 1000
const faulter = setInterval(() => {
  const target = ["m-a", "m-b", "m-c"][Math.floor(Math.random() * 3)]!
  fake.script(target, faults[Math.floor(Math.random() * faults.length)]!, 1 + Math.floor(Math.random() * 5))
}, 250)
const rssSamples: Array<number> = []
const sampler = setInterval(() => rssSamples.push(rssKiB()), 10_000)
await Promise.all(Array.from({ length: concurrency }, async () => {
  while (Date.now() < deadline) await one()
}))
clearInterval(faulter)
clearInterval(sampler)
fake.reset()
await Bun.sleep(1000)
const rssEnd = rssKiB()

const exit = await gateway.stop()
const rows = gateway.rows().length
await fake.stop()

const errors = [...statuses].filter(([status]) => status !== "200").reduce((n, [, c]) => n + c, 0)
const report = {
  seconds,
  concurrency,
  requests_sent: sent,
  requests_per_second: Math.round((sent - 200) / seconds),
  outcomes: Object.fromEntries(statuses),
  error_rate: errors / sent,
  rss_start_mib: +(rssStart / 1024).toFixed(1),
  rss_end_mib: +(rssEnd / 1024).toFixed(1),
  rss_samples_mib: rssSamples.map((k) => +(k / 1024).toFixed(1)),
  ledger_rows: rows,
  ledger_rows_equal_requests: rows === sent,
  exit_code: exit
}
const out = resolve(import.meta.dir, "results")
mkdirSync(out, { recursive: true })
const file = join(out, `soak-${new Date().toISOString().replace(/[:.]/g, "-")}.json`)
writeFileSync(file, JSON.stringify(report, null, 2))
console.log(JSON.stringify(report, null, 2))
console.log(`written to ${file}`)
process.exit(rows === sent && exit === 0 ? 0 : 1)
