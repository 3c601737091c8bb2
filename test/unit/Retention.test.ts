import { describe, expect, test } from "bun:test"
import { Effect, Layer } from "effect"
import { AppConfig } from "../../src/Config.ts"
import { Database } from "../../src/db/Database.ts"
import { Retention } from "../../src/services/Retention.ts"
import { testConfig } from "./testConfig.ts"

const dayMs = 86_400_000

const withRetention = <A>(days: number | undefined, use: (db: Database["Service"], retention: Retention["Service"]) => Effect.Effect<A>) => {
  const config = testConfig({ database: { url: "sqlite::memory:" }, ledger: { retentionDays: days, captureBodies: false, captureMaxBytes: 1024 } })
  const layer = Retention.layer.pipe(Layer.provideMerge(Database.layer), Layer.provide(Layer.succeed(AppConfig, config)))
  return Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    return yield* use(yield* Database, yield* Retention)
  }).pipe(Effect.provide(layer))))
}

const insert = (db: Database["Service"], ts: number, count: number) => {
  const statement = db.$client.prepare(
    "INSERT INTO requests (request_id, ts, endpoint, model, stream, status, usage_source, unpriced, latency_ms, request_body) VALUES (?, ?, 'chat', 'm', 0, 200, 'reported', 0, 1, 'body')"
  )
  for (let i = 0; i < count; i++) statement.run(`r-${ts}-${i}`, ts)
}

const count = (db: Database["Service"]) => (db.$client.query("SELECT count(*) AS n FROM requests").get() as { n: number }).n

describe("Retention", () => {
  test("deletes only rows older than the retention period, in as many batches as it takes", async () => {
    const now = Date.now()
    const left = await withRetention(7, (db, retention) =>
      Effect.gen(function*() {
        insert(db, now - 30 * dayMs, 1234)
        insert(db, now - 8 * dayMs, 3)
        insert(db, now - 6 * dayMs, 5)
        insert(db, now, 2)
        // The background sweep (at start, then hourly) may take some of the batches: between them, all are gone.
        expect(yield* retention.sweep).toBeGreaterThan(0)
        return (db.$client.query("SELECT ts FROM requests").all() as Array<{ ts: number }>).map((row) => row.ts)
      }))
    expect(left).toHaveLength(7)
    for (const ts of left) expect(ts).toBeGreaterThan(now - 7 * dayMs)
  })

  test("without retention_days nothing is ever deleted", async () => {
    const left = await withRetention(undefined, (db, retention) =>
      Effect.gen(function*() {
        insert(db, Date.now() - 1000 * dayMs, 3)
        expect(yield* retention.sweep).toBe(0)
        return count(db)
      }))
    expect(left).toBe(3)
  })
})
