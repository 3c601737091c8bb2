import { Database } from "bun:sqlite"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"

const root = resolve(import.meta.dir, "../..")
export const devKey = "sk-test-dev-0123456789"

export interface LedgerRow {
  readonly id: number
  readonly request_id: string
  readonly key_name: string | null
  readonly endpoint: string
  readonly model: string
  readonly provider: string | null
  readonly upstream_model: string | null
  readonly stream: number
  readonly status: number
  readonly error: string | null
  readonly prompt_tokens: number | null
  readonly completion_tokens: number | null
  readonly cached_tokens: number | null
  readonly usage_source: "reported" | "estimated" | "missing"
  readonly cost_usd: number | null
  readonly unpriced: number
  readonly latency_ms: number
  readonly ttft_ms: number | null
  readonly attempts: number
  readonly request_body: string | null
  readonly response_body: string | null
}

/** A gateway process, ready: it has logged the address it listens on. */
export interface SpawnedGateway {
  /** `http://127.0.0.1:PORT` */
  readonly url: string
  /** `http://127.0.0.1:PORT/v1`, the openai SDK's baseURL */
  readonly baseURL: string
  readonly output: () => string
  readonly pid: number
  readonly exited: Promise<number>
  /** Sends the signal (if still running) and resolves with the exit code. */
  readonly stop: (signal?: NodeJS.Signals) => Promise<number>
  /** Sends a signal without waiting (e.g. SIGHUP). */
  readonly signal: (signal: NodeJS.Signals) => void
}

export interface RunningGateway extends SpawnedGateway {
  readonly dir: string
  /** Ledger rows in the database, oldest first (rows are written in batches: use waitForRows). */
  readonly rows: () => Array<LedgerRow>
  readonly waitForRows: (count: number, timeoutMs?: number) => Promise<Array<LedgerRow>>
  /** The row of the request sent with this `x-request-id` (polls: rows are written in batches). */
  readonly rowFor: (requestId: string, timeoutMs?: number) => Promise<LedgerRow>
  /** Rewrites the config file (same server and database settings) with this YAML, as an operator would. */
  readonly writeConfig: (config: string) => void
}

export interface SpawnOptions {
  readonly configPath: string
  readonly cwd: string
  /** Run dist/sluice instead of the TypeScript source. */
  readonly binary?: boolean
  readonly env?: Record<string, string>
}

/** Starts `sluice serve --config <configPath>` and waits until it listens (its start-up log names the port). */
export const spawnGateway = async (options: SpawnOptions): Promise<SpawnedGateway> => {
  const command = options.binary
    ? [join(root, "dist/sluice"), "serve", "--config", options.configPath]
    : [process.execPath, join(root, "src/main.ts"), "serve", "--config", options.configPath]
  const proc = Bun.spawn(command, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? "", HOME: options.cwd, ...options.env },
    stdout: "pipe",
    stderr: "pipe"
  })
  let output = ""
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder()
    for await (const chunk of stream) output += decoder.decode(chunk)
  }
  void collect(proc.stdout)
  void collect(proc.stderr)

  const deadline = Date.now() + 30_000
  let url: string | undefined
  while (url === undefined) {
    const port = output.match(/"listen":"http:\/\/[^:]+:(\d+)"/)?.[1]
    if (port !== undefined) url = `http://127.0.0.1:${port}`
    else if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill("SIGKILL")
      throw new Error(`gateway did not start (exit ${proc.exitCode}):\n${output}`)
    } else await Bun.sleep(10)
  }
  return {
    url,
    baseURL: `${url}/v1`,
    output: () => output,
    pid: proc.pid,
    exited: proc.exited,
    stop: async (signal = "SIGTERM") => {
      if (proc.exitCode === null) proc.kill(signal)
      return proc.exited
    },
    signal: (signal) => proc.kill(signal)
  }
}

export interface StartOptions {
  /** YAML of the config, without `server` and `database` (the harness writes both). */
  readonly config: string
  /** Extra `server` settings as YAML flow entries, e.g. `max_body_bytes: 2048, model_prefix: Proxy`. */
  readonly server?: string
  readonly binary?: boolean
  readonly env?: Record<string, string>
}

/**
 * Retries off and a circuit that never opens: for suites that inject one fault at a time to see how it surfaces,
 * not how the gateway recovers from it (resilience.e2e does that).
 */
export const singleAttempt = "resilience: { max_attempts: 1, circuit: { consecutive_failures: 1000, min_requests: 1000 } }"

/** A config YAML with one `openai-compatible` provider pointing at a fake upstream, and the dev key. */
export const basicConfig = (upstreamUrl: string, extra = "") => `
providers:
  - { name: fake, type: openai-compatible, base_url: "${upstreamUrl}", keys: ["sk-upstream-1"], models: [gpt-4o-mini, gpt-4o, text-embedding-3-small, gpt-3.5-turbo-instruct] }
keys:
  - { name: dev, key: "${devKey}", models: ["*"] }
${extra}`

/**
 * One provider per wire format, all on the same fake upstream: `oa` (OpenAI-compatible), `claude` (Anthropic)
 * and `gem` (Gemini), each with its own upstream key, plus prices so that every row has a cost.
 */
export const polyglotConfig = (fake: { url: string; origin: string }) => `
providers:
  - { name: oa, type: openai-compatible, base_url: "${fake.url}", keys: ["sk-upstream-1"], models: [gpt-4o-mini] }
  - { name: claude, type: anthropic, base_url: "${fake.origin}", keys: ["sk-ant-upstream"], models: [claude-test-1] }
  - { name: gem, type: gemini, base_url: "${fake.origin}/v1beta", keys: ["gem-upstream-key"], models: [gemini-2.5-flash] }
  # Its own key, so that a 429's cooldown stays away from the other tests' Anthropic key.
  - { name: claude-limited, type: anthropic, base_url: "${fake.origin}", keys: ["sk-ant-upstream"], models: [claude-rl] }
${singleAttempt}
keys:
  - { name: dev, key: "${devKey}", models: ["*"] }
pricing:
  gpt-4o-mini: { input_per_mtok: 1, output_per_mtok: 2 }
  claude-test-1: { input_per_mtok: 3, output_per_mtok: 15, cached_input_per_mtok: 0.3 }
  gemini-2.5-flash: { input_per_mtok: 0.3, output_per_mtok: 2.5, cached_input_per_mtok: 0.075 }
`

export const polyglotUpstreamKeys = ["sk-upstream-1", "sk-ant-upstream", "gem-upstream-key"]

/** Starts the real gateway as a child process on a free port with a fresh SQLite database in a temp dir. */
export const startGateway = async (options: StartOptions): Promise<RunningGateway> => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-e2e-"))
  const configPath = join(dir, "config.yaml")
  const dbPath = join(dir, "sluice.db")
  const server = ["host: 127.0.0.1", "port: 0", "shutdown_timeout_ms: 5000", ...(options.server ? [options.server] : [])]
  const writeConfig = (config: string) =>
    writeFileSync(configPath, `server: { ${server.join(", ")} }\ndatabase: { url: "sqlite:${dbPath}" }\n${config}`)
  writeConfig(options.config)
  const gateway = await spawnGateway({ configPath, cwd: dir, binary: options.binary, env: options.env })

  const rows = () => {
    const db = new Database(dbPath, { readonly: true })
    try {
      return db.query("SELECT * FROM requests ORDER BY ts, rowid").all() as Array<LedgerRow>
    } finally {
      db.close()
    }
  }

  const poll = async <A>(find: () => A | undefined, timeoutMs: number, what: string): Promise<A> => {
    const until = Date.now() + timeoutMs
    for (;;) {
      const found = find()
      if (found !== undefined) return found
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
      await Bun.sleep(20)
    }
  }

  return {
    ...gateway,
    dir,
    writeConfig,
    rows,
    rowFor: (requestId, timeoutMs = 3000) =>
      poll(() => rows().find((row) => row.request_id === requestId), timeoutMs, `the ledger row of ${requestId}`),
    waitForRows: (count, timeoutMs = 3000) =>
      poll(() => {
        const current = rows()
        return current.length >= count ? current : undefined
      }, timeoutMs, `${count} ledger rows`)
  }
}
