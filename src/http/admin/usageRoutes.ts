import { Elysia, t } from "elysia"
import { Context, Effect } from "effect"
import type { DatabaseError } from "../../db/Database.ts"
import { timeOf } from "../../domain/timeOf.ts"
import { KeyStore } from "../../services/KeyStore.ts"
import {
  type InvalidCursor,
  type LedgerEntry,
  maxLimit,
  type UsageFilter,
  UsageQuery,
  type UsageTotals
} from "../../services/UsageQuery.ts"
import { adminError } from "./adminError.ts"
import type { Authorize } from "./Principal.ts"
import { runAdmin } from "./runAdmin.ts"

/** The `since` / `until` of a query as epoch ms, or the name of the one that is not a time (or not after `since`). */
export const timeRange = (
  query: { readonly since?: string | undefined; readonly until?: string | undefined },
  defaults: { readonly since?: number | undefined; readonly until?: number | undefined } = {}
): { readonly since: number | undefined; readonly until: number | undefined } | { readonly bad: "since" | "until"; readonly message: string } => {
  const since = query.since === undefined ? defaults.since : timeOf(query.since)
  if (since === undefined && query.since !== undefined) return { bad: "since", message: timeMessage("since") }
  const until = query.until === undefined ? defaults.until : timeOf(query.until)
  if (until === undefined && query.until !== undefined) return { bad: "until", message: timeMessage("until") }
  if (since !== undefined && until !== undefined && until <= since) return { bad: "until", message: "'until' must be later than 'since'" }
  return { since, until }
}

const timeMessage = (param: string) => `'${param}' must be an ISO-8601 time (2025-01-31 or 2025-01-31T12:00:00Z) or epoch milliseconds`

/** Usage totals as JSON. */
export const totalsJson = (totals: UsageTotals) => ({
  requests: totals.requests,
  prompt_tokens: totals.promptTokens,
  completion_tokens: totals.completionTokens,
  cached_tokens: totals.cachedTokens,
  cost_usd: totals.costUsd,
  unpriced_requests: totals.unpricedRequests,
  errors: totals.errors
})

export const totalsSchema = {
  requests: t.Integer(),
  prompt_tokens: t.Integer(),
  completion_tokens: t.Integer(),
  cached_tokens: t.Integer(),
  cost_usd: t.Nullable(t.Number({ description: "Sum of the known costs; null when every cost is unknown" })),
  unpriced_requests: t.Integer({ description: "Requests whose cost is unknown (no price, or no usage reported)" }),
  errors: t.Integer({ description: "Requests with status >= 400" })
}

const entryJson = (row: LedgerEntry) => ({
  id: row.id,
  request_id: row.requestId,
  time: new Date(row.ts).toISOString(),
  key_id: row.keyId,
  user_id: row.userId,
  key_name: row.keyName,
  endpoint: row.endpoint,
  model: row.model,
  provider: row.provider,
  upstream_model: row.upstreamModel,
  stream: row.stream,
  status: row.status,
  error: row.error,
  prompt_tokens: row.promptTokens,
  completion_tokens: row.completionTokens,
  cached_tokens: row.cachedTokens,
  usage_source: row.usageSource,
  cost_usd: row.costUsd,
  unpriced: row.unpriced,
  latency_ms: row.latencyMs,
  ttft_ms: row.ttftMs,
  attempts: row.attempts
})

const nullableString = t.Nullable(t.String())
const nullableInteger = t.Nullable(t.Integer())

const entrySchema = t.Object({
  id: t.Integer(),
  request_id: t.String(),
  time: t.String({ format: "date-time" }),
  key_id: nullableString,
  user_id: nullableString,
  key_name: nullableString,
  endpoint: t.String(),
  model: t.String(),
  provider: nullableString,
  upstream_model: nullableString,
  stream: t.Boolean(),
  status: t.Integer(),
  error: nullableString,
  prompt_tokens: nullableInteger,
  completion_tokens: nullableInteger,
  cached_tokens: nullableInteger,
  usage_source: t.Union([t.Literal("reported"), t.Literal("estimated"), t.Literal("missing")]),
  cost_usd: t.Nullable(t.Number()),
  unpriced: t.Boolean({ description: "The model had no price" }),
  latency_ms: t.Integer(),
  ttft_ms: nullableInteger,
  attempts: t.Integer()
})

const timeParam = (what: string) =>
  t.Optional(t.String({ description: `${what}: ISO-8601 time or epoch milliseconds`, examples: ["2025-01-31T00:00:00Z", "1738281600000"] }))

const filterQuery = {
  since: timeParam("From (inclusive)"),
  until: timeParam("To (exclusive)"),
  key_id: t.Optional(t.String({ description: "A virtual key's id (`config:<name>` for keys of the config file)" })),
  user_id: t.Optional(t.String({ description: "The key owner's user id; members may only pass their own" })),
  model: t.Optional(t.String({ description: "The model as requested" })),
  provider: t.Optional(t.String())
}

type FilterQuery = { readonly [K in keyof typeof filterQuery]?: string | undefined }

const groupByParam = t.Optional(t.Union(
  [t.Literal("key"), t.Literal("user"), t.Literal("model"), t.Literal("provider"), t.Literal("day")],
  { description: "Default: day (UTC)" }
))

const tags = ["usage"]

/**
 * The admin API's usage routes: aggregates, summary, model distribution and the request log. Admins see every
 * row; a member sees only rows of their own keys and gets 403 for another user's `user_id` or `key_id`.
 */
export const usageRoutes = (context: Context.Context<UsageQuery | KeyStore>, authorize: Authorize) => {
  const usage = Context.get(context, UsageQuery)
  const keys = Context.get(context, KeyStore)

  /** The filter a principal may run, or the response refusing it. */
  const filterFor = (request: Request, query: FilterQuery): UsageFilter | Response => {
    const principal = authorize(request, "member")
    if (principal instanceof Response) return principal
    const range = timeRange(query)
    if ("bad" in range) return adminError.badRequest(range.bad, range.message)
    const filter = { ...range, keyId: query.key_id, userId: query.user_id, model: query.model, provider: query.provider }
    if (principal.kind === "admin-key" || principal.role === "admin") return filter
    if (query.user_id !== undefined && query.user_id !== principal.userId) {
      return adminError.forbidden("forbidden", "Members can only read their own usage", "user_id")
    }
    if (query.key_id !== undefined && keys.get(query.key_id)?.ownerId !== principal.userId) {
      return adminError.forbidden("forbidden", "Members can only read the usage of their own keys", "key_id")
    }
    return { ...filter, userId: principal.userId }
  }

  // The queries are synchronous (bun:sqlite), so they run to completion here and the handler answers without a Promise.
  const answer = <A, B>(effect: Effect.Effect<A, DatabaseError | InvalidCursor>, ok: (value: A) => B): B | Response =>
    runAdmin(effect.pipe(
      Effect.map((value): B | Response => ok(value)),
      Effect.catchTag("InvalidCursor", (error) => Effect.succeed(adminError.badRequest("cursor", error.message)))
    ))

  return new Elysia({ name: "admin-usage" })
    .get("/admin/v1/usage", ({ request, query }) => {
      const filter = filterFor(request, query)
      if (filter instanceof Response) return filter
      const groupBy = query.group_by ?? "day"
      return answer(usage.aggregate(groupBy, filter), (groups) => ({
        data: groups.map((group) => ({
          group: group.group,
          ...(groupBy === "key" ? { key_name: (group.group === null ? undefined : keys.get(group.group)?.name) ?? group.keyName ?? null } : {}),
          ...totalsJson(group)
        }))
      }))
    }, {
      query: t.Object({ group_by: groupByParam, ...filterQuery }),
      response: {
        200: t.Object({
          data: t.Array(t.Object({
            group: t.Nullable(t.String({ description: "Key id, user id, model, provider or day (YYYY-MM-DD, UTC)" })),
            key_name: t.Optional(t.Nullable(t.String({ description: "group_by=key only: the key's current name" }))),
            ...totalsSchema
          }))
        })
      },
      detail: { tags, summary: "Usage aggregated by key, user, model, provider or day" }
    })
    .get("/admin/v1/usage/summary", ({ request, query }) => {
      const filter = filterFor(request, query)
      if (filter instanceof Response) return filter
      return answer(usage.summary(filter), (summary) => ({
        ...totalsJson(summary),
        error_rate: summary.errorRate,
        avg_latency_ms: summary.avgLatencyMs
      }))
    }, {
      query: t.Object(filterQuery),
      response: {
        200: t.Object({
          ...totalsSchema,
          error_rate: t.Number({ description: "errors / requests; 0 without requests" }),
          avg_latency_ms: t.Nullable(t.Integer())
        })
      },
      detail: { tags, summary: "Requests, tokens, cost and error rate over a time range" }
    })
    .get("/admin/v1/usage/models", ({ request, query }) => {
      const filter = filterFor(request, query)
      if (filter instanceof Response) return filter
      return answer(usage.modelDistribution(filter), (models) => ({
        data: models.map((model) => ({ model: model.model, requests: model.requests, share: model.share, cost_usd: model.costUsd }))
      }))
    }, {
      query: t.Object(filterQuery),
      response: {
        200: t.Object({
          data: t.Array(t.Object({
            model: t.String(),
            requests: t.Integer(),
            share: t.Number({ description: "Of all requests in the range, 0 to 1" }),
            cost_usd: t.Nullable(t.Number())
          }))
        })
      },
      detail: { tags, summary: "Requests per model, most requested first" }
    })
    .get("/admin/v1/requests", ({ request, query }) => {
      const filter = filterFor(request, query)
      if (filter instanceof Response) return filter
      if (query.limit !== undefined && (query.limit < 1 || query.limit > maxLimit)) {
        return adminError.badRequest("limit", `'limit' must be between 1 and ${maxLimit}`)
      }
      return answer(usage.search({ ...filter, status: query.status, limit: query.limit, cursor: query.cursor }), (page) => ({
        data: page.rows.map(entryJson),
        next_cursor: page.nextCursor
      }))
    }, {
      query: t.Object({
        ...filterQuery,
        status: t.Optional(t.Union([t.Literal("error"), t.Integer({ minimum: 100, maximum: 599 })], {
          description: "An HTTP status, or `error` for every status >= 400"
        })),
        limit: t.Optional(t.Integer({ description: `Rows per page, 1 to ${maxLimit}; default 50` })),
        cursor: t.Optional(t.String({ description: "The next_cursor of the previous page" }))
      }),
      response: { 200: t.Object({ data: t.Array(entrySchema), next_cursor: t.Nullable(t.String()) }) },
      detail: { tags, summary: "The request log, newest first, paginated by cursor (request bodies are not included)" }
    })
}
