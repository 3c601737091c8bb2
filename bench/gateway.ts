// `npm run bench:gateway`: the gateway's own CPU per request, in-process: Gateway.handle against the built-in
// mock upstream with the ledger on a temp SQLite database, no HTTP server and no network. It moves only with
// our code, so it shows what a change to the request path costs before `bun run bench` measures the whole.
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, ManagedRuntime, Result } from "effect"
import { appLayer } from "../src/appLayer.ts"
import { formatProblems, parseConfig } from "../src/Config.ts"
import { Gateway } from "../src/services/Gateway.ts"

const dir = mkdtempSync(join(tmpdir(), "sluice-bench-gateway-"))
const parsed = parseConfig(
  `
database: { url: "sqlite:${join(dir, "bench.db")}" }
providers:
  - { name: mock, type: mock, models: [mock-gpt] }
keys:
  - { name: bench, key: sk-bench-0000 }
`,
  { file: "bench", env: {}, baseDir: dir }
)
if (Result.isFailure(parsed)) throw new Error(formatProblems(parsed.failure))

const runtime = ManagedRuntime.make(appLayer(parsed.success, { path: undefined, env: {} }))
const gateway = await runtime.runPromise(Effect.gen(function*() {
  return yield* Gateway
}))
const text = JSON.stringify({ model: "mock-gpt", messages: [{ role: "user", content: "Hello, how are you today?" }] })

const headers = new Headers()

const once = async () => {
  const exit = await Effect.runPromiseExit(gateway.handle({
    surface: "chat",
    text,
    secret: "sk-bench-0000",
    headers,
    signal: new AbortController().signal,
    requestId: crypto.randomUUID()
  }))
  if (exit._tag === "Failure") throw new Error("the gateway failed a benchmark request")
  await exit.value.text()
}

const requests = 50_000
for (let i = 0; i < requests / 5; i++) await once()
for (let round = 1; round <= 3; round++) {
  const started = performance.now()
  for (let i = 0; i < requests; i++) await once()
  console.log(`round ${round}: ${((performance.now() - started) * 1000 / requests).toFixed(2)} µs per request`)
}
await runtime.dispose()
