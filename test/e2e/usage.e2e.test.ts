import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Elysia } from "elysia"
import { Context, Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { AppConfig } from "../../src/Config.ts"
import { Database } from "../../src/db/Database.ts"
import type { Authorize, Principal } from "../../src/http/admin/Principal.ts"
import { usageRoutes } from "../../src/http/admin/usageRoutes.ts"
import { errorResponse } from "../../src/http/respond.ts"
import { usageRoute } from "../../src/http/usageRoute.ts"
import { KeyStore } from "../../src/services/KeyStore.ts"
import { UsageQuery } from "../../src/services/UsageQuery.ts"
import { testConfig } from "../unit/testConfig.ts"

const devSecret = "sk-usage-dev-0123456789"
const hour = 3_600_000
const day = 24 * hour

/** Session tokens of the authorize stub: the real guard (admin key or signed session) is not under test here. */
const principals: Record<string, Principal> = {
  "admin-key": { kind: "admin-key" },
  "root-session": { kind: "user", userId: "u-root", role: "admin" },
  "alice-session": { kind: "user", userId: "u-alice", role: "member" },
  "bob-session": { kind: "user", userId: "u-bob", role: "member" }
}

const authorize: Authorize = (request) =>
  principals[request.headers.get("authorization")?.replace(/^Bearer /, "") ?? ""] ??
    errorResponse(401, { message: "Sign in first", type: "authentication_error", param: null, code: null })

interface ErrorJson {
  readonly error: { readonly message: string; readonly type: string; readonly param: string | null; readonly code: string | null }
}

const dir = mkdtempSync(join(tmpdir(), "sluice-usage-"))
const runtime = ManagedRuntime.make(
  Layer.mergeAll(UsageQuery.layer, KeyStore.layer).pipe(
    Layer.provideMerge(Database.layer),
    Layer.provideMerge(Layer.succeed(AppConfig, testConfig({
      database: { url: `sqlite:${join(dir, "sluice.db")}` },
      keys: [{
        name: "dev",
        key: Redacted.make(devSecret),
        models: ["*"],
        captureBodies: false,
        limits: {},
        budget: undefined,
        tokenQuota: undefined,
        allowUnpriced: false
      }]
    })))
  )
)

let base = ""
let server: { stop: () => unknown } | undefined
let aliceKey = { id: "", secret: "" }
let bobKey = { id: "", secret: "" }
let revokedSecret = ""
const now = Date.now()
const dateOf = (ts: number) => new Date(ts).toISOString().slice(0, 10)

interface Row {
  readonly ts: number
  readonly keyId: string
  readonly userId: string | null
  readonly keyName: string
  readonly model: string
  readonly status?: number
  readonly cost?: number | null
}

const seed = (db: Database["Service"], rows: ReadonlyArray<Row>) => {
  const insert = db.$client.prepare(
    `INSERT INTO requests (request_id, ts, key_id, user_id, key_name, endpoint, model, provider, stream, status, prompt_tokens,
      completion_tokens, cached_tokens, usage_source, cost_usd, unpriced, latency_ms, request_body)
     VALUES (?, ?, ?, ?, ?, 'chat', ?, 'openai', 0, ?, 10, 5, 0, 'reported', ?, ?, 50, 'captured prompt')`
  )
  rows.forEach((row, i) =>
    insert.run(`seed-${i}`, row.ts, row.keyId, row.userId, row.keyName, row.model, row.status ?? 200, row.cost === undefined ? 0.5 : row.cost, row.cost === null)
  )
}

beforeAll(async () => {
  const context = await runtime.context()
  const keys = Context.get(context, KeyStore)
  const issue = async (name: string, ownerId: string) => {
    const { secret, key } = await Effect.runPromise(keys.create({ name, ownerId }))
    return { id: key.id, secret }
  }
  aliceKey = await issue("alice-laptop", "u-alice")
  bobKey = await issue("bob-ci", "u-bob")
  const revoked = await issue("alice-old", "u-alice")
  revokedSecret = revoked.secret
  await Effect.runPromise(keys.revoke(revoked.id))

  seed(Context.get(context, Database), [
    { ts: now - 2 * hour, keyId: aliceKey.id, userId: "u-alice", keyName: "alice-laptop", model: "gpt-4o" },
    { ts: now - 2 * hour, keyId: aliceKey.id, userId: "u-alice", keyName: "alice-laptop", model: "gpt-4o", status: 500, cost: null },
    { ts: now - 3 * day, keyId: aliceKey.id, userId: "u-alice", keyName: "laptop (old name)", model: "claude", cost: null },
    { ts: now - 40 * day, keyId: aliceKey.id, userId: "u-alice", keyName: "alice-laptop", model: "gpt-4o" },
    { ts: now - hour, keyId: bobKey.id, userId: "u-bob", keyName: "bob-ci", model: "gpt-4o" },
    { ts: now - hour, keyId: bobKey.id, userId: "u-bob", keyName: "bob-ci", model: "gpt-4o", status: 429 },
    { ts: now - hour, keyId: "config:dev", userId: null, keyName: "dev", model: "llama" }
  ])

  const app = new Elysia()
    // Stands in for the app-wide handler: a request that fails its `t` schema is a 400 naming the field.
    .onError(({ code, error }) => {
      if (code !== "VALIDATION") return
      const param = error.all[0]?.path.replace(/^\//, "") || null
      return errorResponse(400, { message: error.message, type: "invalid_request_error", param, code: null })
    })
    .use(usageRoutes(context, authorize))
    .use(usageRoute(context))
    .listen({ hostname: "127.0.0.1", port: 0 })
  server = app
  base = `http://127.0.0.1:${app.server!.port}`
})

afterAll(async () => {
  server?.stop()
  await runtime.dispose()
  rmSync(dir, { recursive: true, force: true })
})

const get = async <A>(path: string, token?: string) => {
  const response = await fetch(`${base}${path}`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } })
  return { status: response.status, body: (await response.json()) as A }
}

const admin = <A>(path: string) => get<A>(path, "admin-key")

interface Group {
  readonly group: string | null
  readonly key_name?: string | null
  readonly requests: number
  readonly prompt_tokens: number
  readonly completion_tokens: number
  readonly cached_tokens: number
  readonly cost_usd: number | null
  readonly unpriced_requests: number
  readonly errors: number
}

interface RequestJson {
  readonly id: number
  readonly time: string
  readonly key_id: string | null
  readonly user_id: string | null
  readonly status: number
  readonly cost_usd: number | null
}

interface Page {
  readonly data: ReadonlyArray<RequestJson>
  readonly next_cursor: string | null
}

const expectError = (result: { status: number; body: unknown }, status: number, param: string | null, type = "invalid_request_error") => {
  expect(result.status).toBe(status)
  const { error } = result.body as ErrorJson
  expect(error.type).toBe(type)
  expect(error.param).toBe(param)
  expect(error.message.length).toBeGreaterThan(0)
}

describe("GET /admin/v1/usage", () => {
  test("an admin groups every row by key, with each key's current name", async () => {
    const { status, body } = await admin<{ data: ReadonlyArray<Group> }>("/admin/v1/usage?group_by=key")
    expect(status).toBe(200)
    expect(body.data).toEqual([
      { group: aliceKey.id, key_name: "alice-laptop", requests: 4, prompt_tokens: 40, completion_tokens: 20, cached_tokens: 0, cost_usd: 1, unpriced_requests: 2, errors: 1 },
      { group: bobKey.id, key_name: "bob-ci", requests: 2, prompt_tokens: 20, completion_tokens: 10, cached_tokens: 0, cost_usd: 1, unpriced_requests: 0, errors: 1 },
      { group: "config:dev", key_name: "dev", requests: 1, prompt_tokens: 10, completion_tokens: 5, cached_tokens: 0, cost_usd: 0.5, unpriced_requests: 0, errors: 0 }
    ])
  })

  test("groups by user, model, provider, and by UTC day by default", async () => {
    const users = await admin<{ data: ReadonlyArray<Group> }>("/admin/v1/usage?group_by=user")
    expect(users.body.data.map((g) => [g.group, g.requests])).toEqual([["u-alice", 4], ["u-bob", 2], [null, 1]])
    const models = await admin<{ data: ReadonlyArray<Group> }>("/admin/v1/usage?group_by=model&user_id=u-alice")
    expect(models.body.data.map((g) => [g.group, g.requests, g.cost_usd])).toEqual([["gpt-4o", 3, 1], ["claude", 1, null]])
    const providers = await admin<{ data: ReadonlyArray<Group> }>("/admin/v1/usage?group_by=provider")
    expect(providers.body.data.map((g) => [g.group, g.requests])).toEqual([["openai", 7]])
    const days = await admin<{ data: ReadonlyArray<Group> }>("/admin/v1/usage")
    expect(days.body.data[0]?.group).toBe(dateOf(now - 40 * day))
    expect(days.body.data.map((g) => g.group)).toEqual([...days.body.data.map((g) => g.group)].sort())
    expect(days.body.data.reduce((n, g) => n + g.requests, 0)).toBe(7)
  })

  test("since and until take ISO-8601 times or epoch milliseconds", async () => {
    const iso = await admin<{ data: ReadonlyArray<Group> }>(`/admin/v1/usage?group_by=key&since=${new Date(now - 10 * day).toISOString()}`)
    expect(iso.body.data.find((g) => g.group === aliceKey.id)?.requests).toBe(3)
    const ms = await admin<{ data: ReadonlyArray<Group> }>(`/admin/v1/usage?group_by=key&since=${now - 10 * day}&until=${now - 90 * 60_000}`)
    expect(ms.body.data.map((g) => [g.group, g.requests])).toEqual([[aliceKey.id, 3]])
  })

  test("a zone offset is honoured, even with its `+` unencoded; a time without one is UTC", async () => {
    const cut = now - 90 * 60_000
    const plusTwo = `${new Date(cut + 2 * hour).toISOString().slice(0, 19)}+02:00`
    const offset = await admin<{ data: ReadonlyArray<Group> }>(`/admin/v1/usage?group_by=key&since=${plusTwo}`)
    expect(offset.body.data.map((g) => g.group).sort()).toEqual([bobKey.id, "config:dev"].sort())
    const zoneless = await admin<{ data: ReadonlyArray<Group> }>(`/admin/v1/usage?group_by=key&since=${new Date(cut).toISOString().slice(0, 19)}`)
    expect(zoneless.body.data).toEqual(offset.body.data)
  })

  test("bad values are 400s naming the parameter", async () => {
    expectError(await admin("/admin/v1/usage?since=2025-02-30"), 400, "since")
    expectError(await admin("/admin/v1/usage?since=yesterday"), 400, "since")
    expectError(await admin("/admin/v1/usage?until=2025-13-45"), 400, "until")
    expectError(await admin(`/admin/v1/usage?since=${now}&until=${now - 1}`), 400, "until")
    expectError(await admin("/admin/v1/usage?group_by=team"), 400, "group_by")
  })
})

describe("GET /admin/v1/usage/summary and /models", () => {
  test("summary: totals, error rate and mean latency in snake_case", async () => {
    const { status, body } = await admin<Record<string, unknown>>("/admin/v1/usage/summary")
    expect(status).toBe(200)
    expect(body).toEqual({
      requests: 7,
      prompt_tokens: 70,
      completion_tokens: 35,
      cached_tokens: 0,
      cost_usd: 2.5,
      unpriced_requests: 2,
      errors: 2,
      error_rate: 2 / 7,
      avg_latency_ms: 50
    })
  })

  test("models: share of requests, most requested first", async () => {
    const { body } = await admin<{ data: ReadonlyArray<{ model: string; requests: number; share: number; cost_usd: number | null }> }>(
      "/admin/v1/usage/models"
    )
    expect(body.data.map((m) => [m.model, m.requests])).toEqual([["gpt-4o", 5], ["claude", 1], ["llama", 1]])
    expect(body.data[0]?.share).toBeCloseTo(5 / 7)
    expect(body.data[1]?.cost_usd).toBeNull()
  })
})

describe("GET /admin/v1/requests", () => {
  test("pages newest first through every row, then next_cursor is null", async () => {
    const seen: Array<RequestJson> = []
    let cursor: string | null = null
    do {
      const page: { status: number; body: Page } = await admin<Page>(`/admin/v1/requests?limit=3${cursor === null ? "" : `&cursor=${cursor}`}`)
      expect(page.status).toBe(200)
      seen.push(...page.body.data)
      cursor = page.body.next_cursor
    } while (cursor !== null)
    expect(seen).toHaveLength(7)
    expect(new Set(seen.map((row) => row.id)).size).toBe(7)
    const times = seen.map((row) => Date.parse(row.time))
    expect(times).toEqual([...times].sort((a, b) => b - a))
    expect(seen[0]).not.toHaveProperty("request_body")
  })

  test("filters by status (a code or `error`), key and model", async () => {
    const errors = await admin<Page>("/admin/v1/requests?status=error")
    expect(errors.body.data.map((row) => row.status).sort()).toEqual([429, 500])
    const tooMany = await admin<Page>("/admin/v1/requests?status=429")
    expect(tooMany.body.data.map((row) => row.key_id)).toEqual([bobKey.id])
    const alice = await admin<Page>(`/admin/v1/requests?key_id=${aliceKey.id}&model=claude`)
    expect(alice.body.data).toHaveLength(1)
    expect(alice.body.data[0]?.cost_usd).toBeNull()
  })

  test("a bad cursor, limit or status is a 400 naming it", async () => {
    expectError(await admin("/admin/v1/requests?cursor=not-a-cursor"), 400, "cursor")
    expectError(await admin("/admin/v1/requests?limit=0"), 400, "limit")
    expectError(await admin("/admin/v1/requests?limit=501"), 400, "limit")
    expectError(await admin("/admin/v1/requests?status=bad"), 400, "status")
  })
})

describe("members see only their own usage", () => {
  test("without a principal: the guard's 401", async () => {
    expect((await get("/admin/v1/usage")).status).toBe(401)
    expect((await get("/admin/v1/requests", "wrong")).status).toBe(401)
  })

  test("aggregates, summary, models and the log hold only the member's rows", async () => {
    const users = await get<{ data: ReadonlyArray<Group> }>("/admin/v1/usage?group_by=user", "alice-session")
    expect(users.body.data.map((g) => g.group)).toEqual(["u-alice"])
    const keys = await get<{ data: ReadonlyArray<Group> }>("/admin/v1/usage?group_by=key", "bob-session")
    expect(keys.body.data.map((g) => g.group)).toEqual([bobKey.id])
    const summary = await get<{ requests: number }>("/admin/v1/usage/summary", "alice-session")
    expect(summary.body.requests).toBe(4)
    const models = await get<{ data: ReadonlyArray<{ model: string }> }>("/admin/v1/usage/models", "bob-session")
    expect(models.body.data.map((m) => m.model)).toEqual(["gpt-4o"])
    const log = await get<Page>("/admin/v1/requests", "alice-session")
    expect(log.body.data).toHaveLength(4)
    expect(log.body.data.every((row) => row.user_id === "u-alice")).toBe(true)
    const own = await get<{ data: ReadonlyArray<Group> }>(`/admin/v1/usage?group_by=key&user_id=u-alice&key_id=${aliceKey.id}`, "alice-session")
    expect(own.status).toBe(200)
    expect(own.body.data.map((g) => g.requests)).toEqual([4])
  })

  test("another user's user_id or key_id is a 403", async () => {
    expectError(await get("/admin/v1/usage?user_id=u-bob", "alice-session"), 403, "user_id", "permission_error")
    expectError(await get(`/admin/v1/requests?key_id=${bobKey.id}`, "alice-session"), 403, "key_id", "permission_error")
    expectError(await get("/admin/v1/usage/summary?key_id=config:dev", "alice-session"), 403, "key_id", "permission_error")
  })

  test("an admin user sees everyone's", async () => {
    const users = await get<{ data: ReadonlyArray<Group> }>("/admin/v1/usage?group_by=user&user_id=u-bob", "root-session")
    expect(users.body.data.map((g) => [g.group, g.requests])).toEqual([["u-bob", 2]])
  })
})

interface KeyUsage {
  readonly object: string
  readonly since: string | null
  readonly until: string | null
  readonly data: ReadonlyArray<{ date: string; model: string; requests: number; prompt_tokens: number; completion_tokens: number; cost_usd: number | null }>
  readonly totals: { requests: number; prompt_tokens: number; completion_tokens: number; cost_usd: number | null; unpriced_requests: number }
}

describe("GET /v1/usage (key holders)", () => {
  test("the key's own usage by day and model over the last 30 days", async () => {
    const { status, body } = await get<KeyUsage>("/v1/usage", aliceKey.secret)
    expect(status).toBe(200)
    expect(body.object).toBe("list")
    const expected = [
      { date: dateOf(now - 3 * day), model: "claude", requests: 1, cost_usd: null },
      { date: dateOf(now - 2 * hour), model: "gpt-4o", requests: 2, cost_usd: 0.5 }
    ]
    expect(body.data.map(({ date, model, requests, cost_usd }) => ({ date, model, requests, cost_usd }))).toEqual(expected)
    expect(body.data[1]).toMatchObject({ prompt_tokens: 20, completion_tokens: 10 })
    expect(body.totals).toMatchObject({ requests: 3, prompt_tokens: 30, completion_tokens: 15, cost_usd: 0.5, unpriced_requests: 2 })
    expect(Date.parse(body.since ?? "")).toBeGreaterThan(now - 31 * day)
    expect(body.until).toBeNull()
  })

  test("since / until choose the range; a config key sees its own rows", async () => {
    const all = await get<KeyUsage>(`/v1/usage?since=${new Date(now - 60 * day).toISOString()}`, aliceKey.secret)
    expect(all.body.totals.requests).toBe(4)
    const dev = await get<KeyUsage>("/v1/usage", devSecret)
    expect(dev.body.data.map((row) => [row.model, row.requests])).toEqual([["llama", 1]])
    const none = await get<KeyUsage>(`/v1/usage?since=${now - 60 * day}&until=${now - 50 * day}`, bobKey.secret)
    expect(none.body.data).toEqual([])
    expect(none.body.totals).toMatchObject({ requests: 0, cost_usd: 0 })
  })

  test("missing, wrong and revoked keys are OpenAI-shaped 401s; a bad since is a 400", async () => {
    expectError(await get("/v1/usage"), 401, null, "authentication_error")
    expectError(await get("/v1/usage", "sk-sluice-nope"), 401, null, "authentication_error")
    const revoked = await get<ErrorJson>("/v1/usage", revokedSecret)
    expectError(revoked, 401, null, "authentication_error")
    expect(revoked.body.error.message).toContain("revoked")
    expectError(await get("/v1/usage?since=last-week", aliceKey.secret), 400, "since")
  })
})
