import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { rmSync } from "node:fs"
import { join } from "node:path"
import OpenAI from "openai"
import { type FakeUpstream, startFakeUpstream } from "../fake/upstream.ts"
import { basicConfig, devKey, type RunningGateway, singleAttempt, spawnGateway, startGateway } from "./harness.ts"

const adminKey = "sk-admin-0123456789abcdef"
const fileKey = "sk-upstream-1"
/** The upstream key of the provider added through the API: it must never show in a response or the log. */
const catalogKey = "sk-upstream-catalog-0123456789WXYZ"
const catalogModel = "catalog-llm-1"

let fake: FakeUpstream
let gateway: RunningGateway
let client: OpenAI

const config = () =>
  basicConfig(fake.url, `pricing:\n  gpt-4o: { input_per_mtok: 5, output_per_mtok: 15 }\n${singleAttempt}\n`)

beforeAll(async () => {
  // The fake accepts only these keys: a request that reaches it shows the provider's key was kept.
  fake = await startFakeUpstream({ keys: [fileKey, catalogKey] })
  gateway = await startGateway({ config: config(), server: `admin_key: "${adminKey}"` })
  client = new OpenAI({ baseURL: gateway.baseURL, apiKey: devKey, maxRetries: 0 })
})

afterAll(async () => {
  await gateway?.stop()
  await fake?.stop()
  if (gateway !== undefined) rmSync(gateway.dir, { recursive: true, force: true })
})

const admin = (path: string, method = "GET", body?: unknown) =>
  fetch(`${gateway.url}/admin/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${adminKey}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })

/** Status and JSON of an admin call; the raw text must never hold an upstream key. */
/** The fields of admin answers these tests read. */
interface Answer {
  readonly error?: {
    readonly type: string
    readonly code: string | null
    readonly param: string | null
    readonly problems?: ReadonlyArray<{ readonly path: string; readonly message: string }>
  }
  readonly data?: ReadonlyArray<{ readonly name?: string; readonly model?: string; readonly source: string }>
  readonly keys?: ReadonlyArray<unknown>
  readonly version?: string
  readonly changed?: boolean
  readonly name?: string
  readonly deleted?: boolean
}

const call = async (path: string, method = "GET", body?: unknown): Promise<{ status: number; json: Answer }> => {
  const response = await admin(path, method, body)
  const text = await response.text()
  expect(text).not.toContain(catalogKey)
  expect(text).not.toContain(fileKey)
  return { status: response.status, json: JSON.parse(text) as Answer }
}

const version = async () => (await call("/config/version")).json.version

const catalogProvider = () => ({ name: "extra", type: "openai-compatible", base_url: fake.url, keys: [catalogKey], models: [catalogModel] })

const chat = (model: string, content = "hello") => client.chat.completions.create({ model, messages: [{ role: "user", content }] })

const statusOf = (promise: Promise<unknown>) => promise.then(() => 200, (error: unknown) => error instanceof OpenAI.APIError ? error.status : error)

describe("providers through the admin API", () => {
  test("a provider added through the API serves at once, with its key shown masked", async () => {
    expect(await statusOf(chat(catalogModel))).toBe(404)
    const before = await version()

    const created = await call("/providers", "POST", catalogProvider())
    expect(created.status).toBe(201)
    expect(created.json).toMatchObject({ name: "extra", source: "database", models: [catalogModel], keys: [{ key: "sk-…WXYZ" }] })

    const answer = await chat(catalogModel, "ECHO:from the catalog")
    expect(answer.choices[0]?.message.content).toBe("from the catalog")
    expect(fake.last()?.headers.authorization).toBe(`Bearer ${catalogKey}`)
    expect(await version()).not.toBe(before)

    const listed = await call("/providers")
    expect(listed.json.data?.map((provider) => `${provider.name}:${provider.source}`))
      .toEqual(["fake:config", "extra:database"])
    const models = await call("/models")
    expect(models.json.data?.find((model) => model.name === catalogModel))
      .toMatchObject({ type: "model", source: "database", providers: ["extra"] })
    expect((await call("/providers/extra")).json.keys).toEqual([{ key: "sk-…WXYZ", limits: {}, disabled: false }])
  })

  test("POST of an existing name is 409; the file's providers are read-only (409 read_only)", async () => {
    const again = await call("/providers", "POST", catalogProvider())
    expect(again.status).toBe(409)
    expect(again.json.error?.code).toBe("conflict")
    const fileOne = await call("/providers", "POST", { ...catalogProvider(), name: "fake" })
    expect(fileOne.status).toBe(409)
    for (const [method, body] of [["PUT", { type: "openai-compatible", models: ["x"] }], ["PATCH", { weight: 2 }], ["DELETE", undefined]] as const) {
      const refused = await call("/providers/fake", method, body)
      expect(refused.status).toBe(409)
      expect(refused.json.error).toMatchObject({ type: "invalid_request_error", code: "read_only" })
    }
    expect((await call("/providers/nope", "DELETE")).status).toBe(404)
  })

  test("PATCH changes some fields and keeps the stored keys, which clients only ever see masked", async () => {
    const patched = await call("/providers/extra", "PATCH", { weight: 3, keys: [{ key: "sk-…WXYZ", limits: { rpm: 100 } }] })
    expect(patched.status).toBe(200)
    expect(patched.json).toMatchObject({ weight: 3, keys: [{ key: "sk-…WXYZ", limits: { rpm: 100 } }] })
    const replaced = await call("/providers/extra", "PUT", { type: "openai-compatible", base_url: fake.url, models: [catalogModel, "gpt-4o"] })
    expect(replaced.status).toBe(200)
    expect(replaced.json).toMatchObject({ weight: 1, models: [catalogModel, "gpt-4o"], keys: [{ key: "sk-…WXYZ" }] })
    await chat(catalogModel)
    expect(fake.last()?.headers.authorization).toBe(`Bearer ${catalogKey}`)
  })

  test("a change that makes the config invalid is refused with every problem; the old config keeps serving", async () => {
    const before = await version()
    const bad = await call("/providers", "POST", { name: "broken", type: "openai-compatible", base_url: "not a url", keys: ["k"], models: ["b1"], wieght: 2 })
    expect(bad.status).toBe(400)
    expect(bad.json.error).toMatchObject({ type: "invalid_request_error", code: "invalid_config" })
    const problems = bad.json.error?.problems ?? []
    expect(problems).toHaveLength(2)
    expect(problems).toContainEqual({ path: "catalog.providers.broken.base_url", message: "expected an http(s) URL" })
    expect(problems).toContainEqual({ path: "catalog.providers.broken.wieght", message: 'unknown field (did you mean "weight"?)' })
    // param: the first problem's field, relative to the entry sent.
    expect(bad.json.error?.param).toBe(problems[0]?.path.slice("catalog.providers.broken.".length))
    const badBody = await call("/providers", "POST", { name: "broken", type: "openai-compatible", models: "b1" })
    expect(badBody.status).toBe(400)
    expect(badBody.json.error?.param).toBe("models")
    expect(await version()).toBe(before)
    expect((await call("/providers/broken")).status).toBe(404)
    expect(await statusOf(chat(catalogModel))).toBe(200)
  })

  test("models and aliases: PUT adds an alias over catalog and file models; the file's entries are read-only", async () => {
    const alias = await call("/models/smart", "PUT", { targets: [catalogModel, "gpt-4o-mini"], strategy: "priority" })
    expect(alias.status).toBe(201)
    expect(alias.json).toMatchObject({ name: "smart", type: "alias", source: "database", providers: ["extra", "fake"], strategy: "priority" })
    expect(await statusOf(chat("smart"))).toBe(200)
    const unknown = await call("/models/smart", "PUT", { targets: ["no-such-model"] })
    expect(unknown.status).toBe(400)
    expect(unknown.json.error?.param).toBe("targets[0]")
    // The alias needs the provider: deleting it would break the config, so it is refused.
    const needed = await call("/providers/extra", "DELETE")
    expect(needed.status).toBe(400)
    expect(needed.json.error?.problems).toEqual([{ path: "catalog.models.smart.targets[0]", message: `no provider serves "${catalogModel}" and it is not another alias` }])
    expect((await call("/models/smart", "DELETE")).json).toEqual({ name: "smart", deleted: true })
    expect(await statusOf(chat("smart"))).toBe(404)
    expect((await call("/models/gpt-4o-mini", "DELETE")).status).toBe(404)
  })

  test("a price set through the API costs the next request; the file's prices are read-only", async () => {
    const set = await call("/pricing/gpt-4o-mini", "PUT", { input_per_mtok: 100, output_per_mtok: 200 })
    expect(set.status).toBe(201)
    expect(set.json).toMatchObject({ model: "gpt-4o-mini", source: "database", input_per_mtok: 100, output_per_mtok: 200 })
    const answer = await client.chat.completions.create(
      { model: "gpt-4o-mini", messages: [{ role: "user", content: "price me" }] },
      { headers: { "x-request-id": "catalog-priced" } }
    )
    const row = await gateway.rowFor("catalog-priced")
    const usage = answer.usage!
    expect(row.cost_usd!).toBeCloseTo((usage.prompt_tokens * 100 + usage.completion_tokens * 200) / 1e6, 12)
    const prices = await call("/pricing")
    expect(prices.json.data?.map((price) => `${price.model}:${price.source}`))
      .toEqual(["gpt-4o:config", "gpt-4o-mini:database"])
    expect((await call("/pricing/gpt-4o", "PUT", { input_per_mtok: 1, output_per_mtok: 1 })).json.error?.code).toBe("read_only")
    expect((await call("/pricing/gpt-4o-mini", "DELETE")).status).toBe(200)
  })

  test("only admins: no credentials is 401", async () => {
    const response = await fetch(`${gateway.url}/admin/v1/providers`)
    expect(response.status).toBe(401)
    const write = await fetch(`${gateway.url}/admin/v1/providers`, {
      method: "POST",
      headers: { authorization: `Bearer ${devKey}`, "content-type": "application/json" },
      body: JSON.stringify({ ...catalogProvider(), name: "sneaky" })
    })
    expect(write.status).toBe(401)
  })

  test("a reload (admin API, as on a file change or SIGHUP) keeps the catalog", async () => {
    const reloaded = await call("/config/reload", "POST")
    expect(reloaded.json.changed).toBe(false)
    expect(await statusOf(chat(catalogModel))).toBe(200)
  })

  test("a catalog provider survives a restart; deleted, its model is 404 at once", async () => {
    expect(await gateway.stop("SIGTERM")).toBe(0)
    const restarted = await spawnGateway({ configPath: join(gateway.dir, "config.yaml"), cwd: gateway.dir })
    try {
      const again = new OpenAI({ baseURL: restarted.baseURL, apiKey: devKey, maxRetries: 0 })
      expect((await again.chat.completions.create({ model: catalogModel, messages: [{ role: "user", content: "ECHO:back" }] })).choices[0]?.message.content).toBe("back")
      const deleted = await fetch(`${restarted.url}/admin/v1/providers/extra`, { method: "DELETE", headers: { authorization: `Bearer ${adminKey}` } })
      expect(await deleted.json()).toEqual({ name: "extra", deleted: true })
      const gone = await again.chat.completions.create({ model: catalogModel, messages: [{ role: "user", content: "hi" }] })
        .then(() => undefined, (error: unknown) => error)
      expect(gone).toBeInstanceOf(OpenAI.NotFoundError)
      expect((gone as InstanceType<typeof OpenAI.NotFoundError>).code).toBe("model_not_found")
      expect(restarted.output()).not.toContain(catalogKey)
    } finally {
      await restarted.stop()
    }
    expect(gateway.output()).not.toContain(catalogKey)
  })
})
