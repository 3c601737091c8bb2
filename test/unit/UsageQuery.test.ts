import { describe, expect, test } from "bun:test"
import { Effect, Layer } from "effect"
import { AppConfig } from "../../src/Config.ts"
import { Database } from "../../src/db/Database.ts"
import { type LedgerEntry, UsageQuery } from "../../src/services/UsageQuery.ts"
import { testConfig } from "./testConfig.ts"

interface Seed {
  readonly ts: number
  readonly keyId?: string | null
  readonly userId?: string | null
  readonly keyName?: string | null
  readonly model?: string
  readonly provider?: string | null
  readonly status?: number
  readonly prompt?: number | null
  readonly completion?: number | null
  readonly cached?: number | null
  readonly cost?: number | null
  readonly unpriced?: boolean
  readonly latency?: number
}

const insert = (db: Database["Service"], rows: ReadonlyArray<Seed>) => {
  const statement = db.$client.prepare(
    `INSERT INTO requests (request_id, ts, key_id, user_id, key_name, endpoint, model, provider, stream, status,
      prompt_tokens, completion_tokens, cached_tokens, usage_source, cost_usd, unpriced, latency_ms, request_body, response_body)
     VALUES (?, ?, ?, ?, ?, 'chat', ?, ?, 0, ?, ?, ?, ?, 'reported', ?, ?, ?, 'secret prompt', 'secret answer')`
  )
  rows.forEach((row, i) =>
    statement.run(
      `r${i}`,
      row.ts,
      row.keyId === undefined ? "k1" : row.keyId,
      row.userId === undefined ? "alice" : row.userId,
      row.keyName === undefined ? "one" : row.keyName,
      row.model ?? "gpt-4o",
      row.provider === undefined ? "openai" : row.provider,
      row.status ?? 200,
      row.prompt === undefined ? 10 : row.prompt,
      row.completion === undefined ? 5 : row.completion,
      row.cached === undefined ? 0 : row.cached,
      row.cost === undefined ? 0.01 : row.cost,
      row.unpriced ?? false,
      row.latency ?? 100
    )
  )
}

/** A fresh in-memory database holding `rows`, and the service over it. */
const withUsage = <A>(rows: ReadonlyArray<Seed>, use: (usage: UsageQuery["Service"], db: Database["Service"]) => Effect.Effect<A, unknown>) => {
  const config = testConfig({ database: { url: "sqlite::memory:" } })
  const layer = UsageQuery.layer.pipe(Layer.provideMerge(Database.layer), Layer.provide(Layer.succeed(AppConfig, config)))
  return Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const db = yield* Database
    insert(db, rows)
    return yield* use(yield* UsageQuery, db)
  }).pipe(Effect.provide(layer))))
}

const t0 = Date.UTC(2025, 0, 10, 12)
const hour = 3_600_000

const ledger: ReadonlyArray<Seed> = [
  { ts: t0, keyId: "k1", keyName: "old-name", userId: "alice", model: "gpt-4o", provider: "openai", prompt: 100, completion: 50, cached: 20, cost: 0.5 },
  { ts: t0 + hour, keyId: "k1", keyName: "one", userId: "alice", model: "gpt-4o", provider: "openai", prompt: 10, completion: 5, cost: 0.25, status: 500 },
  { ts: t0 + 2 * hour, keyId: "k2", keyName: "two", userId: "bob", model: "claude", provider: "anthropic", prompt: 7, completion: 3, cost: null, unpriced: true },
  { ts: t0 + 3 * hour, keyId: "k2", keyName: "two", userId: "bob", model: "claude", provider: "anthropic", prompt: null, completion: null, cost: null, status: 429 },
  { ts: t0 + 4 * hour, keyId: "config:dev", keyName: "dev", userId: null, model: "llama", provider: "local", prompt: 1, completion: 1, cost: 0.125 }
]

describe("UsageQuery.aggregate", () => {
  test("by key: totals per key id with the key's latest name, busiest first", async () => {
    const groups = await withUsage(ledger, (usage) => usage.aggregate("key", {}))
    expect(groups).toEqual([
      { group: "k1", keyName: "one", requests: 2, promptTokens: 110, completionTokens: 55, cachedTokens: 20, costUsd: 0.75, unpricedRequests: 0, errors: 1 },
      { group: "k2", keyName: "two", requests: 2, promptTokens: 7, completionTokens: 3, cachedTokens: 0, costUsd: null, unpricedRequests: 2, errors: 1 },
      { group: "config:dev", keyName: "dev", requests: 1, promptTokens: 1, completionTokens: 1, cachedTokens: 0, costUsd: 0.125, unpricedRequests: 0, errors: 0 }
    ])
  })

  test("by user: rows of config keys (no owner) form the null group", async () => {
    const groups = await withUsage(ledger, (usage) => usage.aggregate("user", {}))
    expect(groups.map((g) => [g.group, g.requests, g.costUsd])).toEqual([["alice", 2, 0.75], ["bob", 2, null], [null, 1, 0.125]])
    expect(groups[0]).not.toHaveProperty("keyName")
  })

  test("by model and by provider", async () => {
    const models = await withUsage(ledger, (usage) => usage.aggregate("model", {}))
    expect(models.map((g) => [g.group, g.requests])).toEqual([["claude", 2], ["gpt-4o", 2], ["llama", 1]])
    const providers = await withUsage(ledger, (usage) => usage.aggregate("provider", {}))
    expect(providers.map((g) => [g.group, g.requests, g.errors])).toEqual([["anthropic", 2, 1], ["openai", 2, 1], ["local", 1, 0]])
  })

  test("by day: UTC calendar days, oldest first", async () => {
    const midnight = Date.UTC(2025, 2, 2)
    const rows: ReadonlyArray<Seed> = [
      { ts: midnight - 1 },
      { ts: midnight },
      { ts: midnight + 86_400_000 - 1 },
      { ts: midnight - 86_400_000 * 40 }
    ]
    const days = await withUsage(rows, (usage) => usage.aggregate("day", {}))
    expect(days.map((g) => [g.group, g.requests])).toEqual([["2025-01-21", 1], ["2025-03-01", 1], ["2025-03-02", 2]])
  })

  test("filters: since inclusive, until exclusive, key, user, model and provider", async () => {
    const run = (filter: Parameters<UsageQuery["Service"]["aggregate"]>[1]) =>
      withUsage(ledger, (usage) => usage.aggregate("key", filter)).then((groups) => groups.map((g) => [g.group, g.requests]))
    expect(await run({ since: t0 + hour })).toEqual([["k2", 2], ["config:dev", 1], ["k1", 1]])
    expect(await run({ until: t0 + hour })).toEqual([["k1", 1]])
    expect(await run({ since: t0 + hour, until: t0 + 3 * hour })).toEqual([["k1", 1], ["k2", 1]])
    expect(await run({ keyId: "k2" })).toEqual([["k2", 2]])
    expect(await run({ userId: "alice" })).toEqual([["k1", 2]])
    expect(await run({ model: "llama" })).toEqual([["config:dev", 1]])
    expect(await run({ provider: "openai", userId: "bob" })).toEqual([])
    expect(await run({ since: t0 + 10 * hour })).toEqual([])
  })

  test("costs: known ones are summed, unknown ones counted; a group is null only when no cost is known", async () => {
    const rows: ReadonlyArray<Seed> = [
      { ts: t0, model: "mixed", cost: 0.5 },
      { ts: t0, model: "mixed", cost: null, unpriced: true },
      { ts: t0, model: "free", cost: 0 },
      { ts: t0, model: "unknown", cost: null, unpriced: true },
      { ts: t0, model: "unknown", cost: null, unpriced: true }
    ]
    const groups = await withUsage(rows, (usage) => usage.aggregate("model", {}))
    const byModel = Object.fromEntries(groups.map((g) => [g.group, [g.costUsd, g.unpricedRequests]]))
    expect(byModel).toEqual({ mixed: [0.5, 1], free: [0, 0], unknown: [null, 2] })
  })
})

describe("UsageQuery.byDayAndModel", () => {
  test("one row per UTC day and model, in day then model order", async () => {
    const day = 86_400_000
    const rows: ReadonlyArray<Seed> = [
      { ts: t0 + day, model: "b", cost: 0.5 },
      { ts: t0, model: "b", cost: null, unpriced: true },
      { ts: t0, model: "a", prompt: 1, completion: 2, cost: 0.25 },
      { ts: t0 + 1, model: "a", prompt: 3, completion: 4, cost: 0.25 },
      { ts: t0, model: "a", keyId: "other" }
    ]
    const result = await withUsage(rows, (usage) => usage.byDayAndModel({ keyId: "k1" }))
    expect(result).toEqual([
      { day: "2025-01-10", model: "a", requests: 2, promptTokens: 4, completionTokens: 6, cachedTokens: 0, costUsd: 0.5, unpricedRequests: 0, errors: 0 },
      { day: "2025-01-10", model: "b", requests: 1, promptTokens: 10, completionTokens: 5, cachedTokens: 0, costUsd: null, unpricedRequests: 1, errors: 0 },
      { day: "2025-01-11", model: "b", requests: 1, promptTokens: 10, completionTokens: 5, cachedTokens: 0, costUsd: 0.5, unpricedRequests: 0, errors: 0 }
    ])
  })
})

describe("UsageQuery.summary", () => {
  test("totals, error rate and mean latency", async () => {
    const rows = ledger.map((row, i) => ({ ...row, latency: (i + 1) * 100 }))
    const summary = await withUsage(rows, (usage) => usage.summary({}))
    expect(summary).toEqual({
      requests: 5,
      promptTokens: 118,
      completionTokens: 59,
      cachedTokens: 20,
      costUsd: 0.875,
      unpricedRequests: 2,
      errors: 2,
      errorRate: 0.4,
      avgLatencyMs: 300
    })
  })

  test("nothing in range: zeros, a known cost of 0 and no latency", async () => {
    const summary = await withUsage(ledger, (usage) => usage.summary({ since: t0 + 100 * hour }))
    expect(summary).toEqual({
      requests: 0,
      promptTokens: 0,
      completionTokens: 0,
      cachedTokens: 0,
      costUsd: 0,
      unpricedRequests: 0,
      errors: 0,
      errorRate: 0,
      avgLatencyMs: null
    })
  })

  test("only unknown costs: the cost is null, not 0", async () => {
    const summary = await withUsage(ledger, (usage) => usage.summary({ userId: "bob" }))
    expect(summary.costUsd).toBeNull()
    expect(summary.unpricedRequests).toBe(2)
    expect(summary.errorRate).toBe(0.5)
  })
})

describe("UsageQuery.modelDistribution", () => {
  test("requests and share per model, most requested first", async () => {
    const rows: ReadonlyArray<Seed> = [
      ...Array.from({ length: 6 }, () => ({ ts: t0, model: "a", cost: 0.5 })),
      ...Array.from({ length: 3 }, () => ({ ts: t0, model: "b", cost: null, unpriced: true })),
      { ts: t0, model: "c", cost: 0.25 }
    ]
    const distribution = await withUsage(rows, (usage) => usage.modelDistribution({}))
    expect(distribution).toEqual([
      { model: "a", requests: 6, share: 0.6, costUsd: 3 },
      { model: "b", requests: 3, share: 0.3, costUsd: null },
      { model: "c", requests: 1, share: 0.1, costUsd: 0.25 }
    ])
    expect(await withUsage([], (usage) => usage.modelDistribution({}))).toEqual([])
  })
})

describe("UsageQuery.search", () => {
  /** 23 rows over 4 timestamps, so that pages cut through runs of equal ts. */
  const crowd: ReadonlyArray<Seed> = Array.from({ length: 23 }, (_, i) => ({
    ts: t0 + (i % 4) * 1000,
    model: i % 2 === 0 ? "even" : "odd",
    status: i % 5 === 0 ? 500 : i % 7 === 0 ? 404 : 200
  }))

  const allPages = (usage: UsageQuery["Service"], limit: number, filter = {}) =>
    Effect.gen(function*() {
      const seen: Array<LedgerEntry> = []
      let cursor: string | undefined
      let pages = 0
      do {
        const page = yield* usage.search({ ...filter, limit, cursor })
        seen.push(...page.rows)
        cursor = page.nextCursor ?? undefined
        pages++
      } while (cursor !== undefined)
      return { seen, pages }
    })

  test("pages through every row once, newest first, ties broken by id, through runs of equal ts", async () => {
    const { seen, pages } = await withUsage(crowd, (usage) => allPages(usage, 5))
    expect(pages).toBe(5)
    expect(seen).toHaveLength(23)
    expect(new Set(seen.map((row) => row.id)).size).toBe(23)
    const order = [...seen].sort((a, b) => b.ts - a.ts || b.id - a.id)
    expect(seen.map((row) => row.id)).toEqual(order.map((row) => row.id))
  })

  test("an exact multiple of the limit ends without an empty page", async () => {
    const { seen, pages } = await withUsage(crowd.slice(0, 20), (usage) => allPages(usage, 5))
    expect(seen).toHaveLength(20)
    expect(pages).toBe(4)
  })

  test("pages stay stable when newer rows arrive while paging", async () => {
    const result = await withUsage(crowd, (usage, db) =>
      Effect.gen(function*() {
        const first = yield* usage.search({ limit: 10 })
        insert(db, [{ ts: t0 + 10_000 }, { ts: t0 + 3000 }])
        const second = yield* usage.search({ limit: 100, cursor: first.nextCursor ?? undefined })
        return { first, second }
      }))
    expect(result.first.rows).toHaveLength(10)
    expect(result.second.rows).toHaveLength(13)
    const ids = [...result.first.rows, ...result.second.rows].map((row) => row.id)
    expect(new Set(ids).size).toBe(23)
    expect(Math.max(...ids)).toBeLessThanOrEqual(23)
  })

  test("filters by status, `error` (>= 400), time range and model", async () => {
    const { errors, notFound, odd } = await withUsage(crowd, (usage) =>
      Effect.all({
        errors: allPages(usage, 3, { status: "error" }),
        notFound: usage.search({ status: 404 }),
        odd: usage.search({ model: "odd", since: t0 + 1000, until: t0 + 3000 })
      }))
    expect(errors.seen.map((row) => row.status).sort()).toEqual([404, 404, 404, 500, 500, 500, 500, 500])
    expect(notFound.rows.every((row) => row.status === 404)).toBe(true)
    expect(notFound.rows).toHaveLength(3)
    expect(odd.rows).toHaveLength(6)
    expect(odd.rows.every((row) => row.model === "odd" && row.ts === t0 + 1000)).toBe(true)
  })

  test("limit defaults to 50 and is capped at 500; rows carry no captured bodies", async () => {
    const many: ReadonlyArray<Seed> = Array.from({ length: 600 }, (_, i) => ({ ts: t0 + i }))
    const { page, capped } = await withUsage(many, (usage) =>
      Effect.all({ page: usage.search({}), capped: usage.search({ limit: 10_000 }) }))
    expect(page.rows).toHaveLength(50)
    expect(capped.rows).toHaveLength(500)
    expect(page.rows[0]).not.toHaveProperty("requestBody")
    expect(page.rows[0]).not.toHaveProperty("responseBody")
    expect(page.rows[0]).toMatchObject({ keyId: "k1", userId: "alice", stream: false, unpriced: false, costUsd: 0.01 })
  })

  test("a cursor no page handed out is InvalidCursor", async () => {
    const valid = Buffer.from(`${t0}:3`).toString("base64url")
    for (const cursor of ["garbage!", "", Buffer.from("12:x").toString("base64url"), Buffer.from("-1:3").toString("base64url"), `${valid}=`]) {
      const error = await withUsage(crowd, (usage) => Effect.flip(usage.search({ cursor })))
      expect(error._tag).toBe("InvalidCursor")
    }
    const page = await withUsage(crowd, (usage) => usage.search({ cursor: valid }))
    expect(page.rows.every((row) => row.ts < t0 || (row.ts === t0 && row.id < 3))).toBe(true)
  })
})
