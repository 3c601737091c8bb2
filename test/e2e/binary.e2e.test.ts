import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { connect } from "node:net"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import OpenAI from "openai"
import pkg from "../../package.json" with { type: "json" }
import { type FakeUpstream, startFakeUpstream } from "../fake/upstream.ts"
import { basicConfig, devKey, type RunningGateway, startGateway } from "./harness.ts"

const repoRoot = resolve(import.meta.dir, "../..")
const binary = join(repoRoot, "dist/sluice")
const scratch: Array<string> = []

let fake: FakeUpstream
let gateway: RunningGateway
let client: OpenAI

beforeAll(async () => {
  const build = Bun.spawnSync([process.execPath, "run", "build"], { cwd: repoRoot, stdout: "pipe", stderr: "pipe" })
  if (build.exitCode !== 0) throw new Error(`bun run build failed (${build.exitCode}):\n${build.stdout}\n${build.stderr}`)
  expect(build.exitCode).toBe(0)
  expect(existsSync(binary)).toBe(true)
  fake = await startFakeUpstream()
  gateway = await startGateway({ binary: true, config: basicConfig(fake.url) })
  client = new OpenAI({ baseURL: gateway.baseURL, apiKey: devKey, maxRetries: 0 })
}, 180_000)

afterAll(async () => {
  await gateway?.stop()
  await fake?.stop()
  if (gateway !== undefined) rmSync(gateway.dir, { recursive: true, force: true })
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true })
})

const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-bin-"))
  scratch.push(dir)
  return dir
}

const runBinary = (file: string, args: ReadonlyArray<string>, cwd: string) => {
  const result = Bun.spawnSync([file, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: cwd },
    stdout: "pipe",
    stderr: "pipe"
  })
  return { exitCode: result.exitCode, stdout: result.stdout.toString(), stderr: result.stderr.toString() }
}

/**
 * One HTTP/1.1 POST on its own TCP connection. The test process's own fetch is capped at 256 requests in
 * flight (Bun's default), so the concurrency test cannot use it.
 */
const rawPost = (url: string, path: string, body: string) =>
  new Promise<{ status: number; text: string }>((resolvePost, reject) => {
    const { hostname, port } = new URL(url)
    const socket = connect({ host: hostname, port: Number(port) })
    const chunks: Array<Buffer> = []
    socket.on("connect", () => {
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${devKey}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
      )
    })
    socket.on("data", (chunk: Buffer) => chunks.push(chunk))
    socket.on("error", reject)
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString()
      const status = Number(text.match(/^HTTP\/1\.1 (\d{3})/)?.[1] ?? 0)
      resolvePost({ status, text })
    })
  })

describe("the compiled executable (dist/sluice)", () => {
  test("--version prints the package.json version", () => {
    const result = runBinary(binary, ["--version"], tempDir())
    expect(result.exitCode).toBe(0)
    expect(result.stdout.trim()).toBe(pkg.version)
  })

  test("--help prints the usage", () => {
    const result = runBinary(binary, ["--help"], tempDir())
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toContain("Usage:")
    expect(result.stdout).toContain("config check")
  })

  test("is self-contained: a copy outside the repository runs config check", () => {
    const dir = tempDir()
    const copy = join(dir, "sluice")
    copyFileSync(binary, copy)
    writeFileSync(join(dir, "config.yaml"), `server: { port: 0 }\n${basicConfig(fake.url)}`)
    const result = runBinary(copy, ["config", "check"], dir)
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toMatch(/^\s*gpt-4o-mini -> fake\/gpt-4o-mini\b/m)
  })

  test("runs from another working directory and creates a fresh, migrated database there", async () => {
    expect(gateway.dir.startsWith(repoRoot)).toBe(false)
    expect(existsSync(join(gateway.dir, "sluice.db"))).toBe(true)
    // The requests table exists (migrations are embedded): rows() queries it.
    expect(Array.isArray(gateway.rows())).toBe(true)
  })

  test("/health answers 200 with the version", async () => {
    const response = await fetch(`${gateway.url}/health`)
    expect(response.status).toBe(200)
    const body = (await response.json()) as { status: string; version: string }
    expect(body).toMatchObject({ status: "ok", version: pkg.version })
  })

  test("serves Swagger UI and its assets from the executable itself (offline)", async () => {
    const page = await fetch(`${gateway.url}/docs`)
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).not.toMatch(/https?:\/\//)
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!)
    expect(assets.length).toBeGreaterThanOrEqual(2)
    for (const asset of assets) {
      const response = await fetch(new URL(asset, `${gateway.url}/docs`))
      expect(response.status).toBe(200)
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(1000)
    }
    const spec = (await (await fetch(`${gateway.url}/docs/json`)).json()) as { paths: Record<string, unknown> }
    expect(Object.keys(spec.paths)).toContain("/admin/v1/keys")
  })

  test("a chat completion through the openai SDK is answered and recorded", async () => {
    const before = gateway.rows().length
    const answer = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "ECHO:from the binary" }] })
    expect(answer.choices[0]?.message.content).toBe("from the binary")
    const row = (await gateway.waitForRows(before + 1))[before]
    expect(row).toMatchObject({ key_name: "dev", model: "gpt-4o-mini", provider: "fake", stream: 0, status: 200, usage_source: "reported" })
    expect(row!.prompt_tokens).toBe(answer.usage!.prompt_tokens)
    expect(row!.completion_tokens).toBe(answer.usage!.completion_tokens)
  })

  test("a stream through the openai SDK is passed through and recorded", async () => {
    const before = gateway.rows().length
    const stream = await client.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "ECHO:one two three" }],
      stream: true
    })
    let text = ""
    let finish: string | null | undefined
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ""
      finish = chunk.choices[0]?.finish_reason ?? finish
    }
    expect(text).toBe("one two three")
    expect(finish).toBe("stop")
    const row = (await gateway.waitForRows(before + 1))[before]
    expect(row).toMatchObject({ model: "gpt-4o", stream: 1, status: 200, usage_source: "reported", completion_tokens: 3 })
  })

  test("raises Bun's fetch limit itself: 300 concurrent upstream requests are all in flight at once", async () => {
    fake.reset()
    fake.script("gpt-4o-mini", { latencyMs: 2000 })
    const before = gateway.rows().length
    const body = JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] })
    const answers = Promise.all(Array.from({ length: 300 }, () => rawPost(gateway.url, "/v1/chat/completions", body)))
    // Bun's default would queue everything past 256 until earlier requests finish.
    await fake.waitFor(() => fake.inFlight() >= 300, 3000)
    expect(fake.inFlight()).toBe(300)
    const results = await answers
    expect(results.filter((r) => r.status === 200)).toHaveLength(300)
    expect(results.every((r) => r.text.includes('"chat.completion"'))).toBe(true)
    const rows = await gateway.waitForRows(before + 300, 10_000)
    expect(rows.slice(before).filter((r) => r.status === 200)).toHaveLength(300)
    fake.reset()
  }, 30_000)

  test.skipIf(!existsSync("/proc/self/environ"))("the running gateway process has BUN_CONFIG_MAX_HTTP_REQUESTS set", () => {
    const configPath = join(gateway.dir, "config.yaml")
    const pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name)).filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(configPath)
      } catch {
        return false
      }
    })
    expect(pids).toHaveLength(1)
    const environ = readFileSync(`/proc/${pids[0]}/environ`, "utf8").split("\0")
    const limit = environ.find((entry) => entry.startsWith("BUN_CONFIG_MAX_HTTP_REQUESTS="))
    expect(limit).toBeDefined()
    expect(Number(limit!.split("=")[1])).toBeGreaterThan(256)
  })
})
