import { getTableColumns } from "drizzle-orm"
import { Cause, Context, Effect, Fiber, Layer, Queue } from "effect"
import { Database } from "../db/Database.ts"
import { type LedgerRow, requests } from "../db/schema.ts"
import { accessLine } from "../logging/accessLine.ts"
import { accessLogOn, log } from "../logging/log.ts"

const batchSize = 1024
const multiRow = 32
/** Rows gather this long between batches: one commit per row would cost more than the rest of a request. */
const batchWindow = "50 millis"

export interface LedgerStats {
  readonly recorded: number
  readonly unpriced: number
  readonly pending: number
  readonly writeErrors: number
}

/**
 * Every request's row goes through an in-memory queue that one fiber writes to the database in batches, so
 * no request waits on a database round-trip. Closing the layer ends the queue and waits until it is drained.
 */
export class UsageLedger extends Context.Service<UsageLedger, {
  /** Synchronous and non-blocking: callable from stream callbacks outside any fiber. */
  readonly record: (row: LedgerRow) => void
  readonly stats: () => LedgerStats
}>()("sluice/services/UsageLedger") {
  static readonly layer = Layer.effect(
    UsageLedger,
    Effect.gen(function*() {
      const db = yield* Database
      const queue = yield* Queue.unbounded<LedgerRow, Cause.Done>()
      let recorded = 0
      let unpriced = 0
      let pending = 0
      let writeErrors = 0

      // Prepared once on the raw connection and run inside one transaction, `multiRow` rows a statement: building
      // the insert per batch, or drizzle's placeholder mapping per row, cost more than the rest of a request.
      const { id: _rowid, ...columns } = getTableColumns(requests)
      const keys = Object.keys(columns) as Array<keyof LedgerRow>
      const names = Object.values(columns).map((column) => column.name)
      const tuple = `(${names.map(() => "?").join(", ")})`
      const statement = (rows: number) =>
        db.$client.prepare(`INSERT INTO requests (${names.join(", ")}) VALUES ${Array(rows).fill(tuple).join(", ")}`)
      const many = statement(multiRow)
      const one = statement(1)
      // One parameter array, refilled for every statement: no per-row arrays to allocate and flatten.
      const parameters: Array<NonNullable<LedgerRow[keyof LedgerRow]> | null> = []
      const values = (rows: ReadonlyArray<LedgerRow>, from: number, count: number) => {
        parameters.length = count * keys.length
        let p = 0
        for (let r = from; r < from + count; r++) {
          const row = rows[r]!
          for (const key of keys) parameters[p++] = row[key] ?? null
        }
        return parameters
      }
      const insertAll = db.$client.transaction((rows: ReadonlyArray<LedgerRow>) => {
        let i = 0
        for (; i + multiRow <= rows.length; i += multiRow) many.run(...values(rows, i, multiRow))
        for (; i < rows.length; i++) one.run(...values(rows, i, 1))
      })

      // Access lines go out with their batch, in one write, off the request path.
      const logAccess = (rows: ReadonlyArray<LedgerRow>) => {
        if (accessLogOn()) process.stdout.write(rows.map(accessLine).join(""))
      }

      const write = (rows: ReadonlyArray<LedgerRow>) =>
        Effect.try(() => insertAll(rows)).pipe(
          Effect.tap(() => Effect.sync(() => { recorded += rows.length })),
          Effect.catch((cause) =>
            Effect.sync(() => {
              writeErrors += rows.length
              log("error", "ledger write failed", { rows: rows.length, cause: String(cause) })
            })
          ),
          Effect.ensuring(Effect.sync(() => {
            pending -= rows.length
            logAccess(rows)
          }))
        )

      const writer = yield* Queue.takeBetween(queue, 1, batchSize).pipe(
        Effect.flatMap(write),
        Effect.andThen(Effect.sleep(batchWindow)),
        Effect.forever,
        Effect.catchIf(Cause.isDone, () => Effect.void),
        Effect.forkScoped
      )
      // Registered after the fork so it runs first on close: end the queue, then let the writer drain it.
      yield* Effect.addFinalizer(() => Queue.end(queue).pipe(Effect.andThen(Fiber.join(writer)), Effect.ignore))

      return UsageLedger.of({
        record: (row) => {
          if (row.unpriced) unpriced++
          if (Queue.offerUnsafe(queue, row)) pending++
        },
        stats: () => ({ recorded, unpriced, pending, writeErrors })
      })
    })
  )
}
