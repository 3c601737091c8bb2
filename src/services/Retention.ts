import { Context, Effect, Layer, Schedule } from "effect"
import { AppConfig } from "../Config.ts"
import { Database } from "../db/Database.ts"
import { log } from "../logging/log.ts"

const batch = 500
const dayMs = 86_400_000

/**
 * Deletes ledger rows (with their captured bodies) older than `ledger.retention_days`: at start, then hourly,
 * in batches of a few hundred rows with a yield between them, so that the ledger writer is never held up.
 */
export class Retention extends Context.Service<Retention, {
  /** Deletes every row older than the retention period; returns how many. */
  readonly sweep: Effect.Effect<number>
}>()("sluice/services/Retention") {
  static readonly layer = Layer.effect(
    Retention,
    Effect.gen(function*() {
      const { ledger } = yield* AppConfig
      const db = yield* Database
      const remove = db.$client.prepare("DELETE FROM requests WHERE id IN (SELECT id FROM requests WHERE ts < ? LIMIT ?)")

      const sweepOlderThan = (days: number) =>
        Effect.gen(function*() {
          const cutoff = Date.now() - days * dayMs
          let removed = 0
          for (;;) {
            const { changes } = remove.run(cutoff, batch)
            removed += changes
            if (changes < batch) return removed
            yield* Effect.yieldNow
          }
        }).pipe(
          Effect.tap((removed) => Effect.sync(() => { if (removed > 0) log("info", "ledger retention", { removed, days }) })),
          Effect.catchCause((cause) => Effect.sync(() => {
            log("error", "ledger retention failed", { cause: String(cause) })
            return 0
          }))
        )

      const days = ledger.retentionDays
      const sweep = days === undefined ? Effect.succeed(0) : sweepOlderThan(days)
      if (days !== undefined) yield* Effect.forkScoped(Effect.repeat(sweep, Schedule.spaced("1 hour")))
      return Retention.of({ sweep })
    })
  )
}
