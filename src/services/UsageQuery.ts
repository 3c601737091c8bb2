import { and, asc, desc, eq, getTableColumns, gte, lt, or, type SQL, sql } from "drizzle-orm"
import { Context, Effect, Layer, Schema } from "effect"
import { Database, DatabaseError } from "../db/Database.ts"
import { query } from "../db/query.ts"
import { requests } from "../db/schema.ts"

export interface UsageFilter {
  /** Epoch ms, inclusive. */
  readonly since?: number | undefined
  /** Epoch ms, exclusive. */
  readonly until?: number | undefined
  readonly keyId?: string | undefined
  readonly userId?: string | undefined
  readonly model?: string | undefined
  readonly provider?: string | undefined
}

export type GroupBy = "key" | "user" | "model" | "provider" | "day"

/** Totals of a set of ledger rows. A cost is unknown when the row's `cost_usd` is null (no price, or no usage). */
export interface UsageTotals {
  readonly requests: number
  readonly promptTokens: number
  readonly completionTokens: number
  readonly cachedTokens: number
  /** The sum of the known costs; null when none is known but some are unknown, never 0 for unknown. */
  readonly costUsd: number | null
  /** Rows whose cost is unknown. */
  readonly unpricedRequests: number
  /** Rows with status >= 400. */
  readonly errors: number
}

export interface UsageGroup extends UsageTotals {
  /** The key id, user id, model, provider, or day (`YYYY-MM-DD`, UTC); null for rows without one. */
  readonly group: string | null
  /** Grouping by key only: the name the key had on its latest request. */
  readonly keyName?: string | null
}

export interface DayModelUsage extends UsageTotals {
  /** `YYYY-MM-DD`, UTC. */
  readonly day: string
  readonly model: string
}

export interface UsageSummary extends UsageTotals {
  /** errors / requests; 0 without requests. */
  readonly errorRate: number
  /** null without requests. */
  readonly avgLatencyMs: number | null
}

export interface ModelShare {
  readonly model: string
  readonly requests: number
  /** Of all requests matching the filter, 0..1. */
  readonly share: number
  readonly costUsd: number | null
}

export interface RequestSearch extends UsageFilter {
  /** An exact status, or "error" for every status >= 400. */
  readonly status?: number | "error" | undefined
  /** Default 50, at most 500. */
  readonly limit?: number | undefined
  /** `nextCursor` of the previous page. */
  readonly cursor?: string | undefined
}

const { requestBody: _requestBody, responseBody: _responseBody, ...entryColumns } = getTableColumns(requests)

/** A ledger row without its captured bodies. */
export type LedgerEntry = Omit<typeof requests.$inferSelect, "requestBody" | "responseBody">

export interface RequestPage {
  /** Newest first. */
  readonly rows: ReadonlyArray<LedgerEntry>
  /** Opaque; null on the last page. */
  readonly nextCursor: string | null
}

/** A `cursor` that no page handed out. */
export class InvalidCursor extends Schema.TaggedError<InvalidCursor>()("InvalidCursor", {
  message: Schema.String
}) {}

export const defaultLimit = 50
export const maxLimit = 500

const encodeCursor = (row: { readonly ts: number; readonly id: number }) =>
  Buffer.from(`${row.ts}:${row.id}`).toString("base64url")

const decodeCursor = (cursor: string): { readonly ts: number; readonly id: number } | undefined => {
  const match = /^(\d{1,16}):(\d{1,16})$/.exec(Buffer.from(cursor, "base64url").toString())
  if (match === null || encodeCursor({ ts: Number(match[1]), id: Number(match[2]) }) !== cursor) return undefined
  return { ts: Number(match[1]), id: Number(match[2]) }
}

const conditions = (filter: UsageFilter): ReadonlyArray<SQL | undefined> => [
  filter.since === undefined ? undefined : gte(requests.ts, filter.since),
  filter.until === undefined ? undefined : lt(requests.ts, filter.until),
  filter.keyId === undefined ? undefined : eq(requests.keyId, filter.keyId),
  filter.userId === undefined ? undefined : eq(requests.userId, filter.userId),
  filter.model === undefined ? undefined : eq(requests.model, filter.model),
  filter.provider === undefined ? undefined : eq(requests.provider, filter.provider)
]

const dayOf = sql<string>`strftime('%Y-%m-%d', ${requests.ts} / 1000, 'unixepoch')`

const totalsColumns = {
  requests: sql<number>`count(*)`,
  promptTokens: sql<number>`coalesce(sum(${requests.promptTokens}), 0)`,
  completionTokens: sql<number>`coalesce(sum(${requests.completionTokens}), 0)`,
  cachedTokens: sql<number>`coalesce(sum(${requests.cachedTokens}), 0)`,
  knownCostUsd: sql<number | null>`sum(${requests.costUsd})`,
  unpricedRequests: sql<number>`count(*) - count(${requests.costUsd})`,
  errors: sql<number>`coalesce(sum(${requests.status} >= 400), 0)`
}

type TotalsRow = { readonly [K in keyof typeof totalsColumns]: (typeof totalsColumns)[K]["_"]["type"] }

const emptyTotals: TotalsRow = {
  requests: 0,
  promptTokens: 0,
  completionTokens: 0,
  cachedTokens: 0,
  knownCostUsd: null,
  unpricedRequests: 0,
  errors: 0
}

const totalsOf = ({ knownCostUsd, ...row }: TotalsRow): UsageTotals => ({
  requests: row.requests,
  promptTokens: row.promptTokens,
  completionTokens: row.completionTokens,
  cachedTokens: row.cachedTokens,
  costUsd: knownCostUsd ?? (row.unpricedRequests > 0 ? null : 0),
  unpricedRequests: row.unpricedRequests,
  errors: row.errors
})

const groupColumn: Record<Exclude<GroupBy, "day">, SQL<string | null>> = {
  key: sql`${requests.keyId}`,
  user: sql`${requests.userId}`,
  model: sql`${requests.model}`,
  provider: sql`${requests.provider}`
}

/**
 * Reads the usage ledger (`requests`) for the admin API, the CLI and key holders: aggregates in SQL over the
 * `requests_ts` / `requests_key_ts` indexes, and pages the request log by keyset on (ts desc, id desc).
 */
export class UsageQuery extends Context.Service<UsageQuery, {
  readonly aggregate: (groupBy: GroupBy, filter: UsageFilter) => Effect.Effect<ReadonlyArray<UsageGroup>, DatabaseError>
  /** Day (ascending) then model: what a key holder sees of their key. */
  readonly byDayAndModel: (filter: UsageFilter) => Effect.Effect<ReadonlyArray<DayModelUsage>, DatabaseError>
  readonly summary: (filter: UsageFilter) => Effect.Effect<UsageSummary, DatabaseError>
  /** Most requested first. */
  readonly modelDistribution: (filter: UsageFilter) => Effect.Effect<ReadonlyArray<ModelShare>, DatabaseError>
  readonly search: (query: RequestSearch) => Effect.Effect<RequestPage, DatabaseError | InvalidCursor>
}>()("sluice/services/UsageQuery") {
  static readonly layer = Layer.effect(
    UsageQuery,
    Effect.gen(function*() {
      const db = yield* Database

      const aggregate = (groupBy: GroupBy, filter: UsageFilter) => {
        const where = and(...conditions(filter))
        if (groupBy === "day") {
          return query("Aggregating usage by day", () =>
            db.select({ group: dayOf, ...totalsColumns }).from(requests).where(where).groupBy(dayOf).orderBy(asc(dayOf)).all()
          ).pipe(Effect.map((rows) => rows.map(({ group, ...row }): UsageGroup => ({ group, ...totalsOf(row) }))))
        }
        const column = groupColumn[groupBy]
        const order = [desc(sql`count(*)`), asc(column)]
        if (groupBy === "key") {
          // SQLite takes a bare column from the row that holds the query's only max(): the key's latest name.
          return query("Aggregating usage by key", () =>
            db.select({ group: requests.keyId, keyName: requests.keyName, latest: sql`max(${requests.ts})`, ...totalsColumns })
              .from(requests).where(where).groupBy(requests.keyId).orderBy(...order).all()
          ).pipe(Effect.map((rows) => rows.map(({ group, keyName, latest: _latest, ...row }): UsageGroup => ({ group, keyName, ...totalsOf(row) }))))
        }
        return query(`Aggregating usage by ${groupBy}`, () =>
          db.select({ group: column, ...totalsColumns }).from(requests).where(where).groupBy(column).orderBy(...order).all()
        ).pipe(Effect.map((rows) => rows.map(({ group, ...row }): UsageGroup => ({ group, ...totalsOf(row) }))))
      }

      const byDayAndModel = (filter: UsageFilter) =>
        query("Aggregating usage by day and model", () =>
          db.select({ day: dayOf, model: requests.model, ...totalsColumns }).from(requests).where(and(...conditions(filter)))
            .groupBy(dayOf, requests.model).orderBy(asc(dayOf), asc(requests.model)).all()
        ).pipe(Effect.map((rows) => rows.map(({ day, model, ...row }): DayModelUsage => ({ day, model, ...totalsOf(row) }))))

      const summary = (filter: UsageFilter) =>
        query("Summarising usage", () =>
          db.select({ ...totalsColumns, avgLatencyMs: sql<number | null>`avg(${requests.latencyMs})` })
            .from(requests).where(and(...conditions(filter))).get()
        ).pipe(Effect.map((row): UsageSummary => {
          // An aggregate without GROUP BY always yields one row; the fallback only satisfies the types.
          const { avgLatencyMs, ...totals } = row ?? { ...emptyTotals, avgLatencyMs: null }
          return {
            ...totalsOf(totals),
            errorRate: totals.requests === 0 ? 0 : totals.errors / totals.requests,
            avgLatencyMs: avgLatencyMs === null ? null : Math.round(avgLatencyMs)
          }
        }))

      const modelDistribution = (filter: UsageFilter) =>
        aggregate("model", filter).pipe(Effect.map((groups) => {
          const total = groups.reduce((sum, group) => sum + group.requests, 0)
          return groups.map((group): ModelShare => ({
            model: group.group ?? "",
            requests: group.requests,
            share: total === 0 ? 0 : group.requests / total,
            costUsd: group.costUsd
          }))
        }))

      const search = (options: RequestSearch): Effect.Effect<RequestPage, DatabaseError | InvalidCursor> => {
        const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor)
        if (options.cursor !== undefined && after === undefined) {
          return Effect.fail(new InvalidCursor({ message: "Invalid cursor: pass the next_cursor of a previous page" }))
        }
        const limit = Math.min(Math.max(Math.trunc(options.limit ?? defaultLimit), 1), maxLimit)
        const where = and(
          ...conditions(options),
          options.status === undefined
            ? undefined
            : options.status === "error"
            ? gte(requests.status, 400)
            : eq(requests.status, options.status),
          after === undefined ? undefined : or(lt(requests.ts, after.ts), and(eq(requests.ts, after.ts), lt(requests.id, after.id)))
        )
        return query("Searching requests", () =>
          db.select(entryColumns).from(requests).where(where).orderBy(desc(requests.ts), desc(requests.id)).limit(limit + 1).all()
        ).pipe(Effect.map((rows) => {
          const page = rows.slice(0, limit)
          const last = page.at(-1)
          return { rows: page, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last) : null }
        }))
      }

      return UsageQuery.of({ aggregate, byDayAndModel, summary, modelDistribution, search })
    })
  )
}
