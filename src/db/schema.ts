import { index, integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core"

/** The usage ledger: one compact row per request that reached routing, whatever its outcome. */
export const requests = sqliteTable("requests", {
  id: integer("id").primaryKey({ autoIncrement: false }),
  /** The caller's `x-request-id` or a generated one; not unique, since callers choose it. */
  requestId: text("request_id").notNull(),
  ts: integer("ts").notNull(),
  keyName: text("key_name"),
  endpoint: text("endpoint").notNull(),
  model: text("model").notNull(),
  provider: text("provider"),
  upstreamModel: text("upstream_model"),
  stream: integer("stream", { mode: "boolean" }).notNull(),
  status: integer("status").notNull(),
  error: text("error"),
  promptTokens: integer("prompt_tokens"),
  completionTokens: integer("completion_tokens"),
  cachedTokens: integer("cached_tokens"),
  usageSource: text("usage_source", { enum: ["reported", "estimated", "missing"] }).notNull(),
  costUsd: real("cost_usd"),
  unpriced: integer("unpriced", { mode: "boolean" }).notNull(),
  latencyMs: integer("latency_ms").notNull(),
  ttftMs: integer("ttft_ms"),
  /** Upstream attempts made (retries and fallbacks included); the row's provider is the one that answered last. */
  attempts: integer("attempts").notNull().default(1),
  /** Captured bodies, only for keys (or a ledger) with body capture on, cut at `ledger.capture_max_bytes`. */
  requestBody: text("request_body"),
  responseBody: text("response_body")
}, (table) => [index("requests_ts").on(table.ts)])

export type LedgerRow = Omit<typeof requests.$inferInsert, "id">
