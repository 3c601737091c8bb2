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
}

export interface RunningGateway {
  /** `http://127.0.0.1:PORT` */
  readonly url: string
  /** `http://127.0.0.1:PORT/v1`, the openai SDK's baseURL */
  readonly baseURL: string
  readonly dir: string
  readonly output: () => string
  /** Sends the signal and resolves with the exit code. */
  readonly stop: (signal?: NodeJS.Signals) => Promise<number>
  readonly exited: Promise<number>
  /** Ledger rows in the database, oldest first (rows are written in batches: use waitForRows). */
  readonly rows: () => Array<LedgerRow>
  readonly waitForRows: (count: number, timeoutMs?: number) => Promise<Array<LedgerRow>>
}

export interface StartOptions {
  /** YAML of the config, without `server.port` and `database` (the harness sets both). */
  readonly config: string
  /** Run dist/sluice instead of the TypeScript source. */
  readonly binary?: boolean
  readonly env?: Record<string, string>
}

/** A config YAML with one `openai-compatible` provider pointing at a fake upstream, and the dev key. */
export const basicConfig = (upstreamUrl: string, extra = "") => `
providers:
  - { name: fake, type: openai-compatible, base_url: "${upstreamUrl}", keys: ["sk-upstream-1"], models: [gpt-4o-mini, gpt-4o, text-embedding-3-small, gpt-3.5-turbo-instruct] }
keys:
  - { name: dev, key: "${devKey}", models: ["*"] }
${extra}`

/** Starts the real gateway as a child process on a free port with a fresh SQLite database in a temp dir. */
export const startGateway = async (options: StartOptions): Promise<RunningGateway> => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-e2e-"))
  const configPath = join(dir, "config.yaml")
  const dbPath = join(dir, "sluice.db")
  writeFileSync(configPath, `server: { host: 127.0.0.1, port: 0, shutdown_timeout_ms: 5000 }\ndatabase: { url: "sqlite:${dbPath}" }\n${options.config}`)
  const command = options.binary
    ? [join(root, "dist/sluice"), "serve", "--config", configPath]
    : [process.execPath, join(root, "src/main.ts"), "serve", "--config", configPath]
  const proc = Bun.spawn(command, {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", HOME: dir, ...options.env },
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
  const exited = proc.exited

  const deadline = Date.now() + 10_000
  let url: string | undefined
  while (url === undefined) {
    const match = output.match(/"listen":"http:\/\/[^:]+:(\d+)"/)
    if (match !== null) url = `http://127.0.0.1:${match[1]}`
    else if (proc.exitCode !== null || Date.now() > deadline) {
      throw new Error(`gateway did not start (exit ${proc.exitCode}):\n${output}`)
    } else await Bun.sleep(10)
  }

  const rows = () => {
    const db = new Database(dbPath, { readonly: true })
    try {
      return db.query("SELECT * FROM requests ORDER BY ts, rowid").all() as Array<LedgerRow>
    } finally {
      db.close()
    }
  }

  return {
    url,
    baseURL: `${url}/v1`,
    dir,
    output: () => output,
    exited,
    stop: async (signal = "SIGTERM") => {
      if (proc.exitCode === null) proc.kill(signal)
      return exited
    },
    rows,
    waitForRows: async (count, timeoutMs = 3000) => {
      const until = Date.now() + timeoutMs
      for (;;) {
        const current = rows()
        if (current.length >= count) return current
        if (Date.now() > until) throw new Error(`expected ${count} ledger rows, found ${current.length}`)
        await Bun.sleep(20)
      }
    }
  }
}
