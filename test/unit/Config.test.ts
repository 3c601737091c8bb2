import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { describe, expect, test } from "bun:test"
import { Effect, Redacted, Result } from "effect"
import {
  type ConfigProblem,
  ConfigError,
  formatProblems,
  type GatewayConfig,
  loadConfig,
  parseConfig
} from "../../src/Config.ts"
import { providerTypes } from "../../src/providers/index.ts"

type Env = Readonly<Record<string, string | undefined>>

const minimal = `providers:
  - { name: mock, type: mock, models: [mock-gpt] }
`

const parse = (text: string, env: Env = {}) => parseConfig(text, { file: "config.yaml", env, baseDir: "/srv/sluice" })

const parseOk = (text: string, env: Env = {}): GatewayConfig => {
  const result = parse(text, env)
  if (Result.isFailure(result)) throw new Error(formatProblems(result.failure))
  return result.success
}

const parseProblems = (text: string, env: Env = {}): ReadonlyArray<ConfigProblem> => {
  const result = parse(text, env)
  if (Result.isSuccess(result)) throw new Error("expected the config to be rejected")
  return result.failure
}

const tempDir = (files: Readonly<Record<string, string>>): string => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-config-"))
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return dir
}

const load = (path: string | undefined, env: Env) => Effect.runPromise(Effect.result(loadConfig({ path, env })))

describe("parseConfig", () => {
  test("applies defaults", () => {
    const config = parseOk(minimal)
    expect(config.server).toEqual({
      host: "0.0.0.0",
      port: 8080,
      maxBodyBytes: 32 * 1024 * 1024,
      modelPrefix: undefined,
      shutdownTimeoutMs: 30_000,
      upstreamTimeoutMs: 600_000,
      connectTimeoutMs: 10_000,
      streamIdleTimeoutMs: 300_000,
      totalTimeoutMs: undefined,
      adminKey: undefined,
      cors: undefined,
      watchConfig: true,
      auth: "keys",
      jwtSecret: undefined
    })
    expect(config.logging).toEqual({ level: "info", accessLog: true })
    expect(config.ledger).toEqual({ retentionDays: undefined, captureBodies: false, captureMaxBytes: 65536 })
    expect(config.database.url).toBe("sqlite:/srv/sluice/data/sluice.db")
    expect(config.providers).toEqual([{
      name: "mock",
      type: "mock",
      baseUrl: undefined,
      keys: [],
      weight: 1,
      models: ["mock-gpt"],
      modelMap: {},
      headers: {},
      tlsVerify: true,
      disabled: false,
      apiVersion: undefined,
      timeoutMs: undefined,
      connectTimeoutMs: undefined,
      streamIdleTimeoutMs: undefined,
      totalTimeoutMs: undefined,
      probe: undefined
    }])
    expect(config.resilience).toEqual({
      maxAttempts: 3,
      backoffMs: 250,
      maxBackoffMs: 4000,
      deadlineMs: 600_000,
      queueTimeoutMs: 3000,
      circuit: { consecutiveFailures: 5, errorRate: 0.5, minRequests: 10, windowMs: 30_000, openMs: 15_000 }
    })
    expect(config.models).toEqual({})
    expect(config.keys).toEqual([])
    expect(config.pricing).toEqual({})
  })

  test("decodes snake_case YAML into camelCase config", () => {
    const config = parseOk(`
server:
  host: 127.0.0.1
  port: 9000
  max_body_bytes: 1024
  model_prefix: Proxy
  shutdown_timeout_ms: 5
  upstream_timeout_ms: 6
  stream_idle_timeout_ms: 7
  admin_key: sk-admin-secret
  cors: { origins: ["https://app.example"], headers: [x-custom] }
  watch_config: false
database:
  url: "sqlite::memory:"
logging: { level: debug, access_log: false }
ledger: { retention_days: 30, capture_bodies: true, capture_max_bytes: 2048 }
providers:
  - name: openai
    type: openai
    base_url: https://example.test/v1
    keys: ["sk-one", { key: "sk-two" }]
    weight: 2.5
    models: [gpt-4o]
    model_map: { gpt-4o: gpt-4o-2024-08-06 }
    headers: { x-extra: v }
    tls_verify: false
    timeout_ms: 100
    stream_idle_timeout_ms: 200
models:
  smart: { targets: [gpt-4o, openai/gpt-4o], strategy: "weighted", fallbacks: [] }
keys:
  - { name: dev, key: sk-dev, models: ["gpt-*"] }
  - { name: ops, key: sk-ops }
pricing:
  gpt-4o: { input_per_mtok: 2.5, output_per_mtok: 10, cached_input_per_mtok: 1.25 }
  cheap: { input_per_mtok: 0, output_per_mtok: 0 }
`)
    expect(config.server).toEqual({
      host: "127.0.0.1",
      port: 9000,
      maxBodyBytes: 1024,
      modelPrefix: "Proxy",
      shutdownTimeoutMs: 5,
      upstreamTimeoutMs: 6,
      connectTimeoutMs: 10_000,
      streamIdleTimeoutMs: 7,
      totalTimeoutMs: undefined,
      adminKey: expect.anything(),
      cors: { origins: ["https://app.example"], headers: ["x-custom"] },
      watchConfig: false,
      auth: "keys",
      jwtSecret: undefined
    })
    expect(Redacted.value(config.server.adminKey!)).toBe("sk-admin-secret")
    expect(config.logging).toEqual({ level: "debug", accessLog: false })
    expect(config.ledger).toEqual({ retentionDays: 30, captureBodies: true, captureMaxBytes: 2048 })
    expect(config.database.url).toBe("sqlite::memory:")
    const [provider] = config.providers
    expect(provider?.keys.map(({ key }) => Redacted.value(key))).toEqual(["sk-one", "sk-two"])
    expect(provider).toMatchObject({
      baseUrl: "https://example.test/v1",
      weight: 2.5,
      modelMap: { "gpt-4o": "gpt-4o-2024-08-06" },
      headers: { "x-extra": "v" },
      tlsVerify: false,
      timeoutMs: 100,
      streamIdleTimeoutMs: 200
    })
    expect(config.models).toEqual({
      smart: { targets: ["gpt-4o", "openai/gpt-4o"], strategy: "weighted", fallbacks: [], contextWindow: undefined, contextFallback: undefined }
    })
    expect(config.keys.map(({ name, key, models }) => [name, Redacted.value(key), models])).toEqual([
      ["dev", "sk-dev", ["gpt-*"]],
      ["ops", "sk-ops", ["*"]]
    ])
    expect(config.pricing).toEqual({
      "gpt-4o": { inputPerMtok: 2.5, outputPerMtok: 10, cachedInputPerMtok: 1.25, maxOutputTokens: undefined },
      cheap: { inputPerMtok: 0, outputPerMtok: 0, cachedInputPerMtok: undefined, maxOutputTokens: undefined }
    })
  })

  test("resolves a relative sqlite path against the config's directory", () => {
    const url = (value: string) => parseOk(`database: { url: "${value}" }\n${minimal}`).database.url
    expect(url("sqlite:./db/x.db")).toBe("sqlite:/srv/sluice/db/x.db")
    expect(url("sqlite:x.db")).toBe("sqlite:/srv/sluice/x.db")
    expect(url("sqlite:/var/lib/x.db")).toBe("sqlite:/var/lib/x.db")
    expect(url("sqlite::memory:")).toBe("sqlite::memory:")
  })
})

describe("environment expansion", () => {
  const withServer = (server: string) => `server:\n${server}\n${minimal}`

  test("uses the variable, else the default, and re-types a whole-scalar reference", () => {
    const text = withServer(`  host: "\${HOST:-localhost}"\n  port: "\${PORT:-8080}"`)
    expect(parseOk(text).server).toMatchObject({ host: "localhost", port: 8080 })
    expect(parseOk(text, { HOST: "10.0.0.1", PORT: "9000" }).server).toMatchObject({ host: "10.0.0.1", port: 9000 })
    expect(parseOk(text, { HOST: "", PORT: "" }).server).toMatchObject({ host: "localhost", port: 8080 })
  })

  test("an empty default yields an empty string", () => {
    const config = parseOk(`providers:
  - { name: m, type: mock, models: [a], headers: { x-team: "\${TEAM:-}" } }
`)
    expect(config.providers[0]?.headers).toEqual({ "x-team": "" })
  })

  test("re-types booleans, keeps interpolated text and the exact spelling of numeric secrets", () => {
    const text = `providers:
  - name: m
    type: mock
    models: [a]
    tls_verify: "\${TLS:-false}"
    keys: ["\${KEY_A}", "\${KEY_B}"]
    headers: { authorization: "Bearer \${TOKEN}", x-org: "\${ORG}" }
`
    const [provider] = parseOk(text, { KEY_A: "12345", KEY_B: "0123", TOKEN: "42", ORG: "7" }).providers
    expect(provider?.tlsVerify).toBe(false)
    expect(provider?.keys.map(({ key }) => Redacted.value(key))).toEqual(["12345", "0123"])
    expect(provider?.headers).toEqual({ authorization: "Bearer 42", "x-org": "7" })
  })

  test("reports an unset variable without default at its position", () => {
    const problems = parseProblems(`providers:
  - name: openai
    type: openai
    keys: ["\${OPENAI_API_KEY}"]
    models: [gpt-4o]
`)
    expect(problems).toEqual([{
      path: "providers[0].keys[0]",
      message: "${OPENAI_API_KEY} is not set and has no default",
      origin: "config.yaml:4:12"
    }])
  })

  test("marks a value that came from the environment in the origin", () => {
    const problems = parseProblems(withServer(`  port: "\${PORT}"`), { PORT: "http" })
    expect(problems).toEqual([
      { path: "server.port", message: "expected number", origin: "config.yaml:2:9 (from ${PORT})" }
    ])
  })
})

describe("problems", () => {
  const broken = `server:
  port: 70000
  hots: 0.0.0.0
  model_prefix: a
  model_prefix: b
providers:
  - name: openai
    type: openai
    bse_url: https://api.example.test
    models: [gpt-4o]
    keys: ["\${OPENAI_API_KEY}"]
  - name: openai
    type: opnai
    models: [m]
  - name: custom
    type: openai-compatible
    models: [llama]
    model_map: { other: x }
    weight: 0
  - name: ds
    type: deepseek
    models: [deepseek-chat]
    tls_verify: "yes"
models:
  smart: { targets: [gpt-4o, custom/llama, fast, openai/llama, nope], strategy: "weighted", fallbacks: [] }
  fast: { targets: [llama], strategy: "weighted", fallbacks: [] }
keys:
  - { name: dev, key: sk-one }
  - { name: dev, key: sk-one }
pricing:
  gpt-4o: { input_per_mtok: -1 }
`

  test("reports every problem of one file together, with paths, positions and messages", () => {
    expect(formatProblems(parseProblems(broken)).split("\n")).toEqual([
      "config.yaml:5:3: Map keys must be unique",
      "config.yaml:2:9 server.port: expected a value between 0 and 65535",
      `config.yaml:3:9 server.hots: unknown field (did you mean "host"?)`,
      `config.yaml:9:14 providers[0].bse_url: unknown field (did you mean "base_url"?)`,
      "config.yaml:11:12 providers[0].keys[0]: ${OPENAI_API_KEY} is not set and has no default",
      `config.yaml:12:11 providers[1].name: duplicate provider name "openai" (first at providers[0].name)`,
      `config.yaml:13:11 providers[1].type: unknown provider type; valid types: ${providerTypes.join(", ")}`,
      `config.yaml:15:5 providers[2].base_url: required for provider type "openai-compatible"`,
      `config.yaml:18:25 providers[2].model_map.other: "other" is not listed in models`,
      "config.yaml:19:13 providers[2].weight: expected a value greater than 0",
      `config.yaml:20:5 providers[3].keys: provider type "deepseek" requires at least one key`,
      "config.yaml:23:17 providers[3].tls_verify: expected boolean",
      `config.yaml:25:50 models.smart.targets[3]: no provider serves "openai/llama" and it is not another alias`,
      `config.yaml:25:64 models.smart.targets[4]: no provider serves "nope" and it is not another alias`,
      `config.yaml:29:13 keys[1].name: duplicate key name "dev" (first at keys[0].name)`,
      "config.yaml:29:23 keys[1].key: duplicate key secret (redacted) (first at keys[0].key)",
      `config.yaml:31:11 pricing["gpt-4o"].output_per_mtok: missing required field`,
      `config.yaml:31:29 pricing["gpt-4o"].input_per_mtok: expected a value greater than or equal to 0`
    ])
  })

  test("reports a YAML syntax error at its position", () => {
    const problems = parseProblems(`providers:\n  - { name: "open }\n`)
    expect(problems[0]).toEqual({ path: "", message: `Missing closing "quote`, origin: "config.yaml:3:1" })
  })

  test("never prints a secret", () => {
    const text = `providers:
  - name: m
    type: mock
    models: [a]
    keys: [{ kee: sk-provider-SECRET }, [sk-list-SECRET]]
    headers: { authorization: { bearer: sk-header-SECRET }, x-api-key: [sk-header2-SECRET] }
keys:
  - { name: a, key: "\${VK_TOKEN}", models: sk-models-SECRET }
  - { name: b, key: "\${VK_TOKEN}" }
  - { name: c, key: [sk-vk-SECRET] }
  - { name: d, key: "sk-unterminated-SECRET }
`
    const problems = parseProblems(text, { VK_TOKEN: "sk-env-SECRET" })
    const output = new ConfigError({ problems }).message
    expect(problems.length).toBeGreaterThan(5)
    expect(output).not.toContain("SECRET")
    expect(output).toContain("(redacted)")
  })

  test("suppresses follow-up problems of a value whose variable is unset", () => {
    const problems = parseProblems(`providers:
  - { name: m, type: mock, models: [a] }
keys:
  - { name: a, key: "\${K1}" }
  - { name: b, key: "\${K2}" }
`)
    expect(problems.map(({ path }) => path)).toEqual(["keys[0].key", "keys[1].key"])
  })

  test("a provider type that needs a key reports its absence", () => {
    const problems = parseProblems(`providers:
  - { name: ds, type: deepseek, models: [deepseek-chat] }
`)
    expect(problems).toEqual([{
      path: "providers[0].keys",
      message: `provider type "deepseek" requires at least one key`,
      origin: "config.yaml:2:5"
    }])
  })

  test("formats one line per problem", () => {
    const text = formatProblems([
      { path: "server.port", message: "expected number", origin: "config.yaml:2:9 (from ${PORT})" },
      { path: "", message: "cannot read", origin: "config.yaml" }
    ])
    expect(text).toBe("config.yaml:2:9 (from ${PORT}) server.port: expected number\nconfig.yaml: cannot read")
  })
})

describe("resilience settings", () => {
  test("strategy, fallbacks, context fallback, limits and switches are read; unknown names are refused with their paths", () => {
    const config = parseOk(`
providers:
  - { name: a, type: openai-compatible, base_url: "http://x.test", keys: [{ key: k1, limits: { rpm: 10, concurrency: 2 } }, { key: k2, disabled: true }], limits: { tpm: 999 }, models: [m, big] }
  - { name: b, type: openai-compatible, base_url: "http://x.test", disabled: true, models: [m] }
models:
  m: { strategy: least-busy, fallbacks: [big], context_window: 8000, context_fallback: big }
resilience: { max_attempts: 5, queue_timeout_ms: 0, circuit: { open_ms: 100 } }
`)
    expect(config.providers[0]!.keys.map((k) => [k.limits, k.disabled])).toEqual([[{ rpm: 10, concurrency: 2 }, false], [{ tpm: 999 }, true]])
    expect(config.providers[1]!.disabled).toBe(true)
    expect(config.models.m).toEqual({ targets: undefined, strategy: "least-busy", fallbacks: ["big"], contextWindow: 8000, contextFallback: "big" })
    expect(config.resilience).toMatchObject({ maxAttempts: 5, queueTimeoutMs: 0, circuit: { openMs: 100, consecutiveFailures: 5 } })

    const problems = parseProblems(`
providers:
  - { name: a, type: openai-compatible, base_url: "http://x.test", models: [m] }
models:
  m: { fallbacks: [nope], context_fallback: nada }
  typo: { strategy: random }
`).map((p) => p.path)
    expect(problems).toEqual(["models.m.fallbacks[0]", "models.m.context_fallback", "models.typo"])
  })
})

describe("loadConfig", () => {
  const fileWithEnv = `server:
  host: "\${BIND:-0.0.0.0}"
providers:
  - { name: ds, type: deepseek, models: [deepseek-chat], keys: ["\${DEEPSEEK_KEY}"] }
`

  test("merges a .env next to the file; real environment variables win", async () => {
    const dotEnv = "# local\nexport DEEPSEEK_KEY=sk-from-dotenv\nBIND='10.1.1.1'  # quoted\n"
    const dir = tempDir({ "config.yaml": fileWithEnv, ".env": dotEnv })
    const fromDotEnv = await load(join(dir, "config.yaml"), {})
    const overridden = await load(join(dir, "config.yaml"), { DEEPSEEK_KEY: "sk-real" })
    if (Result.isFailure(fromDotEnv) || Result.isFailure(overridden)) throw new Error("expected both loads to succeed")
    expect(fromDotEnv.success.server.host).toBe("10.1.1.1")
    expect(fromDotEnv.success.providers[0]?.keys.map(({ key }) => Redacted.value(key))).toEqual(["sk-from-dotenv"])
    expect(overridden.success.providers[0]?.keys.map(({ key }) => Redacted.value(key))).toEqual(["sk-real"])
  })

  test("LOG_LEVEL wins over logging.level; a bad one is reported with its origin", async () => {
    const dir = tempDir({ "config.yaml": `logging: { level: info }\n${minimal}` })
    const debug = await load(join(dir, "config.yaml"), { LOG_LEVEL: "DEBUG" })
    if (Result.isFailure(debug)) throw debug.failure
    expect(debug.success.logging.level).toBe("debug")
    const bad = await load(join(dir, "config.yaml"), { LOG_LEVEL: "loud" })
    if (Result.isSuccess(bad)) throw new Error("expected a ConfigError")
    expect(bad.failure.problems).toEqual([{ path: "logging.level", message: 'expected one of debug, info, warn, error, got "loud"', origin: "env LOG_LEVEL" }])
  })

  test("the version is a hash of the file and its .env: it changes with either, and only with them", async () => {
    const dir = tempDir({ "config.yaml": minimal, ".env": "A=1\n" })
    const path = join(dir, "config.yaml")
    const version = async () => {
      const result = await load(path, {})
      if (Result.isFailure(result)) throw result.failure
      return result.success.version
    }
    const first = await version()
    expect(first).toMatch(/^[0-9a-f]{16}$/)
    expect(await version()).toBe(first)
    writeFileSync(join(dir, ".env"), "A=2\n")
    const second = await version()
    expect(second).not.toBe(first)
    writeFileSync(path, `${minimal}\n# a comment\n`)
    expect(await version()).not.toBe(second)
  })

  test("HOST and PORT win over the file", async () => {
    const dir = tempDir({ "config.yaml": `server: { host: 1.2.3.4, port: 1000 }\n${minimal}`, ".env": "PORT=2000\n" })
    const fromDotEnv = await load(join(dir, "config.yaml"), {})
    const fromEnv = await load(join(dir, "config.yaml"), { HOST: "::1", PORT: "3000" })
    if (Result.isFailure(fromDotEnv) || Result.isFailure(fromEnv)) throw new Error("expected both loads to succeed")
    expect(fromDotEnv.success.server).toMatchObject({ host: "1.2.3.4", port: 2000 })
    expect(fromEnv.success.server).toMatchObject({ host: "::1", port: 3000 })
  })

  test("finds the file through CONFIG_PATH and resolves sqlite paths next to it", async () => {
    const dir = tempDir({ "gateway.yaml": minimal })
    const result = await load(undefined, { CONFIG_PATH: join(dir, "gateway.yaml") })
    if (Result.isFailure(result)) throw result.failure
    expect(result.success.database.url).toBe(`sqlite:${join(dir, "data/sluice.db")}`)
  })

  test("fails with every problem, including a bad .env line and a bad PORT", async () => {
    const dir = tempDir({ "config.yaml": fileWithEnv, ".env": "# ok\nnot an assignment\n" })
    const path = join(dir, "config.yaml")
    const result = await load(path, { PORT: "http" })
    if (Result.isSuccess(result)) throw new Error("expected the load to fail")
    expect(result.failure).toBeInstanceOf(ConfigError)
    expect(result.failure.problems).toEqual([
      { path: "", message: "expected KEY=value", origin: `${join(dir, ".env")}:2` },
      {
        path: "providers[0].keys[0]",
        message: "${DEEPSEEK_KEY} is not set and has no default",
        origin: `${path}:4:65`
      },
      { path: "server.port", message: `expected number, got "http"`, origin: "env PORT" }
    ])
    expect(result.failure.message).toContain(`${path}:4:65 providers[0].keys[0]`)
  })

  test("fails when the file cannot be read", async () => {
    const result = await load(join(tmpdir(), "sluice-missing", "config.yaml"), {})
    if (Result.isSuccess(result)) throw new Error("expected the load to fail")
    expect(result.failure.problems[0]?.message).toStartWith("cannot read")
  })

  test("the example config.yaml parses cleanly with an empty environment", async () => {
    const result = await load(resolve(import.meta.dir, "../../config.yaml"), {})
    if (Result.isFailure(result)) throw result.failure
    expect(result.success.server).toMatchObject({ host: "0.0.0.0", port: 8080 })
    expect(result.success.providers.map(({ name }) => name)).toEqual(["mock"])
    expect(result.success.keys.map(({ key }) => Redacted.value(key))).toEqual(["sk-sluice-dev"])
  })
})
