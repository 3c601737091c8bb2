import { Elysia, t } from "elysia"
import { Context, Effect } from "effect"
import { invalidRequest } from "../domain/GatewayError.ts"
import { KeyStore } from "../services/KeyStore.ts"
import { type DayModelUsage, UsageQuery, type UsageTotals } from "../services/UsageQuery.ts"
import { timeRange, totalsJson, totalsSchema } from "./admin/usageRoutes.ts"
import { isoOrNull } from "./isoOrNull.ts"
import { requestIdOf, secretOf } from "./requestContext.ts"
import { respond } from "./respond.ts"

const defaultDays = 30
const dayMs = 86_400_000

/** The rows' totals; the cost is null only when no row has a known cost but some have an unknown one. */
const totalsOf = (rows: ReadonlyArray<DayModelUsage>): UsageTotals => {
  const sum = (pick: (row: DayModelUsage) => number) => rows.reduce((total, row) => total + pick(row), 0)
  const known = rows.filter((row) => row.costUsd !== null)
  const unpricedRequests = sum((row) => row.unpricedRequests)
  return {
    requests: sum((row) => row.requests),
    promptTokens: sum((row) => row.promptTokens),
    completionTokens: sum((row) => row.completionTokens),
    cachedTokens: sum((row) => row.cachedTokens),
    costUsd: known.length === 0 && unpricedRequests > 0 ? null : sum((row) => row.costUsd ?? 0),
    unpricedRequests,
    errors: sum((row) => row.errors)
  }
}

/** `GET /v1/usage`: a key holder's own usage by day (UTC) and model, authenticated with the key itself. */
export const usageRoute = (context: Context.Context<UsageQuery | KeyStore>) => {
  const keys = Context.get(context, KeyStore)
  const usage = Context.get(context, UsageQuery)
  return new Elysia({ name: "key-usage" }).get("/v1/usage", ({ request, query }) => {
    const requestId = requestIdOf(request.headers)
    const program = keys.authenticate(secretOf(request.headers)).pipe(Effect.flatMap((key) => {
      const range = timeRange(query, { since: Date.now() - defaultDays * dayMs })
      if ("bad" in range) return Effect.fail(invalidRequest(range.message, range.bad))
      // A failing query is a bug or a broken database: a 500 with its cause logged, not the key holder's concern.
      return usage.byDayAndModel({ ...range, keyId: key.id }).pipe(Effect.orDie, Effect.map((rows) => ({ range, rows })))
    }))
    // Synchronous (bun:sqlite and in-memory keys), so it runs to completion here.
    return respond(Effect.runSyncExit(program), requestId, ({ range, rows }) =>
      Response.json({
        object: "list",
        since: isoOrNull(range.since),
        until: isoOrNull(range.until),
        data: rows.map((row) => ({ date: row.day, model: row.model, ...totalsJson(row) })),
        totals: totalsJson(totalsOf(rows))
      }, { headers: { "x-request-id": requestId } }))
  }, {
    query: t.Object({
      since: t.Optional(t.String({ description: `From (inclusive): ISO-8601 time or epoch milliseconds; default ${defaultDays} days ago` })),
      until: t.Optional(t.String({ description: "To (exclusive): ISO-8601 time or epoch milliseconds; default now" }))
    }),
    response: {
      200: t.Object({
        object: t.Literal("list"),
        since: t.Nullable(t.String({ format: "date-time" })),
        until: t.Nullable(t.String({ format: "date-time" })),
        data: t.Array(t.Object({ date: t.String({ description: "YYYY-MM-DD, UTC" }), model: t.String(), ...totalsSchema })),
        totals: t.Object(totalsSchema)
      })
    },
    detail: { tags: ["key holders"], summary: "The calling key's own usage by day and model (default: the last 30 days)" }
  })
}
