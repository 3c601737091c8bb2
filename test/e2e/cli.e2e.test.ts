import { afterAll, describe, expect, test } from "bun:test"
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import pkg from "../../package.json" with { type: "json" }
import { spawnGateway } from "./harness.ts"

const root = resolve(import.meta.dir, "../..")
const main = join(root, "src/main.ts")
const dirs: Array<string> = []

const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-cli-"))
  dirs.push(dir)
  return dir
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

interface Ran {
  readonly exitCode: number
  readonly stdout: string
  readonly stderr: string
  readonly all: string
}

/** `bun src/main.ts <args>` in `cwd`, with a minimal environment (PATH, HOME) plus `env`. */
const run = (args: ReadonlyArray<string>, cwd: string, env: Record<string, string> = {}): Ran => {
  const result = Bun.spawnSync([process.execPath, main, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: cwd, ...env },
    stdout: "pipe",
    stderr: "pipe"
  })
  const stdout = result.stdout.toString()
  const stderr = result.stderr.toString()
  return { exitCode: result.exitCode ?? -1, stdout, stderr, all: stdout + stderr }
}

/** 1-based `line:col` of the first occurrence of `needle` in `text`. */
const positionOf = (text: string, needle: string): string => {
  const index = text.indexOf(needle)
  if (index < 0) throw new Error(`'${needle}' not in the config text`)
  const before = text.slice(0, index).split("\n")
  return `${before.length}:${(before.at(-1)?.length ?? 0) + 1}`
}

const freePort = () => {
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") })
  const port = server.port
  void server.stop(true)
  if (port === undefined) throw new Error("no port")
  return port
}

// Recognisable secrets: none of them may ever appear in any output.
const secrets = {
  upstream1: "sk-upstream-SECRET-aaaa1111",
  upstream2: "sk-upstream-SECRET-eeee5555",
  fromEnv: "sk-env-SECRET-gggg7777",
  virtual1: "sk-virtual-SECRET-bbbb2222",
  virtual2: "sk-virtual-SECRET-ffff6666",
  unknownField: "sk-SECRET-unknown-field-dddd4444",
  upstream3: "sk-upstream-SECRET-cccc3333",
  dotenv: "sk-dotenv-SECRET-hhhh8888"
}

const expectNoSecret = (output: string) => {
  for (const secret of Object.values(secrets)) expect(output).not.toContain(secret)
  expect(output).not.toContain("SECRET")
}

const validConfig = `server: { host: 127.0.0.1, port: 0 }
database: { url: "sqlite:./sluice.db" }
providers:
  - name: alpha
    type: openai-compatible
    base_url: "http://127.0.0.1:9/v1"
    keys: ["${secrets.upstream1}", { key: "${secrets.upstream2}" }]
    models: [gpt-4o-mini, big]
    model_map: { big: gpt-4o-2024-08-06 }
  - name: beta
    type: openai-compatible
    base_url: "http://127.0.0.1:10/v1"
    keys: ["\${BETA_KEY}"]
    models: [gpt-4o-mini]
models:
  fast: { targets: [alpha/gpt-4o-mini] }
keys:
  - { name: dev, key: "${secrets.virtual1}", models: ["*"] }
  - { name: ci, key: "${secrets.virtual2}", models: ["gpt-*"] }
`

const invalidConfig = `server: { host: 127.0.0.1, port: 0 }
database: { url: "sqlite:./sluice.db" }
providers:
  - name: alpha
    type: openai-compatible
    base_url: "http://127.0.0.1:9/v1"
    keys: ["${secrets.upstream1}"]
    models: [gpt-4o-mini]
    api_key: "${secrets.unknownField}"
  - name: alpha
    type: openai-compatible
    base_url: "\${MISSING_BASE_URL}"
    models: [gpt-4o]
  - name: beta
    type: warp-drive
    keys: ["${secrets.upstream3}"]
    models: [claude-x]
models:
  fast: { targets: [no-such-upstream-model] }
keys:
  - { name: dev, key: "${secrets.virtual1}", models: ["*"] }
`

describe("sluice --version / --help / unknown command", () => {
  test("--version prints the package version and exits 0", () => {
    const result = run(["--version"], tempDir())
    expect(result.exitCode, result.all).toBe(0)
    expect(result.stdout.trim()).toBe(pkg.version)
  })

  test("-v is the short form of --version", () => {
    const result = run(["-v"], tempDir())
    expect(result.exitCode, result.all).toBe(0)
    expect(result.stdout.trim()).toBe(pkg.version)
  })

  test("--help prints the usage and exits 0", () => {
    const result = run(["--help"], tempDir())
    expect(result.exitCode, result.all).toBe(0)
    expect(result.stdout).toContain("Usage:")
    expect(result.stdout).toContain("serve")
    expect(result.stdout).toContain("config check")
    expect(result.stdout).toContain("--config")
    expect(result.stdout).toContain(pkg.version)
  })

  test("an unknown command exits non-zero and prints the usage", () => {
    const result = run(["frobnicate"], tempDir())
    expect(result.exitCode).not.toBe(0)
    expect(result.all).toContain("frobnicate")
    expect(result.all).toContain("Usage:")
    expect(result.all).not.toContain('"listen"')
  })
})

describe("sluice config check", () => {
  test("a valid config: exits 0, prints providers, routes and key names, never a secret", () => {
    const dir = tempDir()
    writeFileSync(join(dir, "sluice.yaml"), validConfig)
    const result = run(["config", "check", "--config", "sluice.yaml"], dir, { BETA_KEY: secrets.fromEnv })
    expect(result.exitCode, result.all).toBe(0)
    const out = result.stdout
    // providers
    expect(out).toMatch(/^\s*alpha\b.*type=openai-compatible/m)
    expect(out).toMatch(/^\s*beta\b.*type=openai-compatible/m)
    // routing table: public model -> provider/upstream model
    expect(out).toMatch(/^\s*gpt-4o-mini -> .*alpha\/gpt-4o-mini.*beta\/gpt-4o-mini/m)
    expect(out).toMatch(/^\s*big -> alpha\/gpt-4o-2024-08-06\b/m)
    expect(out).toMatch(/^\s*fast -> alpha\/gpt-4o-mini\b/m)
    // virtual key names
    expect(out).toMatch(/^\s*dev\b/m)
    expect(out).toMatch(/^\s*ci\b/m)
    expectNoSecret(result.all)
  })

  test("config check does not open or create the database", () => {
    const dir = tempDir()
    writeFileSync(join(dir, "sluice.yaml"), validConfig)
    const result = run(["config", "check", "--config", "sluice.yaml"], dir, { BETA_KEY: secrets.fromEnv })
    expect(result.exitCode, result.all).toBe(0)
    expect(existsSync(join(dir, "sluice.db"))).toBe(false)
  })

  test("an invalid config: config check exits non-zero with the problems", () => {
    const dir = tempDir()
    writeFileSync(join(dir, "config.yaml"), invalidConfig)
    const result = run(["config", "check", "--config", "config.yaml"], dir)
    expect(result.exitCode).not.toBe(0)
    expect(result.all).toContain("providers[2].type")
    expectNoSecret(result.all)
  })
})

describe("sluice serve with an invalid config", () => {
  test("exits non-zero without listening and prints every problem with its path and file:line:col", () => {
    const dir = tempDir()
    writeFileSync(join(dir, "config.yaml"), invalidConfig)
    const result = run(["serve", "--config", "config.yaml"], dir)
    expect(result.exitCode).not.toBe(0)
    expect(result.all).not.toContain('"listen"')
    expect(result.all).not.toContain("sluice started")
    expect(existsSync(join(dir, "sluice.db"))).toBe(false)

    const problemLine = (path: string, needle: string, message: RegExp) => {
      const origin = `config.yaml:${positionOf(invalidConfig, needle)}`
      const line = result.all.split("\n").find((l) => l.includes(` ${path}:`))
      expect(line, `no problem reported for ${path}:\n${result.all}`).toBeDefined()
      expect(line).toContain(origin)
      expect(line).toMatch(message)
    }
    // unknown field (whose value is a secret: it must not be echoed)
    problemLine("providers[0].api_key", `"${secrets.unknownField}"`, /unknown field/)
    // duplicate provider name: reported on the second occurrence
    problemLine("providers[1].name", "alpha\n    type: openai-compatible\n    base_url: \"${MISSING", /duplicate/)
    // unset ${VAR} without a default
    problemLine("providers[1].base_url", '"${MISSING_BASE_URL}"', /MISSING_BASE_URL.*not set/)
    // unknown provider type
    problemLine("providers[2].type", "warp-drive", /provider type/)
    // alias target that no provider serves
    problemLine("models.fast.targets[0]", "no-such-upstream-model", /no provider serves/)
    expectNoSecret(result.all)
  })

  test("a missing config file exits non-zero naming the file", () => {
    const dir = tempDir()
    const result = run(["serve", "--config", "nowhere.yaml"], dir)
    expect(result.exitCode).not.toBe(0)
    expect(result.all).toContain("nowhere.yaml")
    expect(result.all).not.toContain('"listen"')
  })
})

describe("where the config comes from", () => {
  test("CONFIG_PATH is used when --config is absent", () => {
    const dir = tempDir()
    mkdirSync(join(dir, "etc"))
    writeFileSync(join(dir, "etc/custom.yaml"), validConfig)
    // A broken ./config.yaml proves the default path is not read.
    writeFileSync(join(dir, "config.yaml"), "providers: [")
    const result = run(["config", "check"], dir, { CONFIG_PATH: "etc/custom.yaml", BETA_KEY: secrets.fromEnv })
    expect(result.exitCode, result.all).toBe(0)
    expect(result.stdout).toMatch(/^\s*big -> alpha\/gpt-4o-2024-08-06\b/m)
    expectNoSecret(result.all)
  })

  test("--config wins over CONFIG_PATH", () => {
    const dir = tempDir()
    writeFileSync(join(dir, "good.yaml"), validConfig)
    const result = run(["config", "check", "--config", "good.yaml"], dir, {
      CONFIG_PATH: "missing.yaml",
      BETA_KEY: secrets.fromEnv
    })
    expect(result.exitCode, result.all).toBe(0)
    expect(result.stdout).toMatch(/^\s*fast -> alpha\/gpt-4o-mini\b/m)
  })

  test("without --config or CONFIG_PATH, ./config.yaml is read", () => {
    const dir = tempDir()
    writeFileSync(join(dir, "config.yaml"), validConfig)
    const result = run(["config", "check"], dir, { BETA_KEY: secrets.fromEnv })
    expect(result.exitCode, result.all).toBe(0)
    expect(result.stdout).toMatch(/^\s*fast -> alpha\/gpt-4o-mini\b/m)
  })

  test("a .env next to the config (not in the working directory) supplies ${VAR}; real env vars win", () => {
    const dir = tempDir()
    mkdirSync(join(dir, "conf"))
    writeFileSync(
      join(dir, "conf/config.yaml"),
      `server: { host: 127.0.0.1, port: 0 }
database: { url: "sqlite:./sluice.db" }
providers:
  - name: alpha
    type: openai-compatible
    base_url: "http://127.0.0.1:9/v1"
    keys: ["\${DOTENV_SECRET}"]
    models: ["\${DOTENV_MODEL}"]
keys:
  - { name: "\${DOTENV_KEY_NAME}", key: "${secrets.virtual1}" }
`
    )
    writeFileSync(
      join(dir, "conf/.env"),
      `# comment\nDOTENV_SECRET=${secrets.dotenv}\nexport DOTENV_MODEL="dotenv-model-x"\nDOTENV_KEY_NAME=from-dotenv\n`
    )
    const fromFile = run(["config", "check", "--config", "conf/config.yaml"], dir)
    expect(fromFile.exitCode, fromFile.all).toBe(0)
    expect(fromFile.stdout).toMatch(/^\s*dotenv-model-x -> alpha\/dotenv-model-x\b/m)
    expect(fromFile.stdout).toMatch(/^\s*from-dotenv\b/m)
    expectNoSecret(fromFile.all)

    const overridden = run(["config", "check", "--config", "conf/config.yaml"], dir, { DOTENV_MODEL: "env-model-y" })
    expect(overridden.exitCode, overridden.all).toBe(0)
    expect(overridden.stdout).toMatch(/^\s*env-model-y -> alpha\/env-model-y\b/m)
    expect(overridden.stdout).not.toContain("dotenv-model-x")
    expectNoSecret(overridden.all)
  })

  test("PORT overrides the file's port: the gateway listens there", async () => {
    const dir = tempDir()
    const filePort = freePort()
    const envPort = freePort()
    expect(envPort).not.toBe(filePort)
    writeFileSync(
      join(dir, "config.yaml"),
      `server: { host: 127.0.0.1, port: ${filePort}, shutdown_timeout_ms: 1000 }
database: { url: "sqlite:./sluice.db" }
providers:
  - { name: mock, type: mock, models: [mock-gpt] }
keys:
  - { name: dev, key: "${secrets.virtual1}" }
`
    )
    const gateway = await spawnGateway({ configPath: "config.yaml", cwd: dir, env: { PORT: String(envPort) } })
    try {
      expect(gateway.output()).toContain(`"listen":"http://127.0.0.1:${envPort}"`)
      const health = await fetch(`http://127.0.0.1:${envPort}/health`)
      expect(health.status).toBe(200)
      const refused = await fetch(`http://127.0.0.1:${filePort}/health`).then(() => "answered", () => "refused")
      expect(refused).toBe("refused")
      // `sluice health`, the container health check, reads the same PORT.
      expect(run(["health"], dir, { PORT: String(envPort) }).exitCode).toBe(0)
      const down = run(["health", "--url", `http://127.0.0.1:${filePort}/health`], dir)
      expect(down.exitCode).toBe(1)
      expect(down.stderr).toContain("unhealthy")
      expectNoSecret(gateway.output())
    } finally {
      expect(await gateway.stop("SIGTERM")).toBe(0)
    }
  })

  test("a second gateway on a port already in use refuses to start instead of sharing it", async () => {
    const dir = tempDir()
    writeFileSync(join(dir, "config.yaml"), validConfig)
    const first = await spawnGateway({ configPath: "config.yaml", cwd: dir, env: { BETA_KEY: secrets.fromEnv } })
    try {
      const port = new URL(first.url).port
      const second = run(["serve"], dir, { PORT: port, BETA_KEY: secrets.fromEnv })
      expect(second.exitCode).not.toBe(0)
      expect(second.all).toContain(`port ${port} in use`)
      expect(second.all).not.toContain('"msg":"sluice started"')
    } finally {
      expect(await first.stop("SIGTERM")).toBe(0)
    }
  })

  test("an invalid PORT is reported as a config problem", () => {
    const dir = tempDir()
    writeFileSync(join(dir, "config.yaml"), validConfig)
    const result = run(["serve"], dir, { PORT: "not-a-port", BETA_KEY: secrets.fromEnv })
    expect(result.exitCode).not.toBe(0)
    expect(result.all).toContain("server.port")
    expect(result.all).toContain("PORT")
    expect(result.all).not.toContain('"listen"')
  })
})
