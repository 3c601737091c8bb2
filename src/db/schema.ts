import { index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core"

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
  responseBody: text("response_body"),
  /** The virtual key's id (`config:<name>` for keys of config.yaml) and its owner, when it has one. */
  keyId: text("key_id"),
  userId: text("user_id")
}, (table) => [index("requests_ts").on(table.ts), index("requests_key_ts").on(table.keyId, table.ts)])

export type LedgerRow = Omit<typeof requests.$inferInsert, "id">

export const users = sqliteTable("users", {
  id: text("id").primaryKey(),
  email: text("email").notNull().unique(),
  name: text("name").notNull(),
  role: text("role", { enum: ["admin", "member"] }).notNull(),
  /** Bun.password's argon2id hash. */
  passwordHash: text("password_hash").notNull(),
  disabled: integer("disabled", { mode: "boolean" }).notNull().default(false),
  createdAt: integer("created_at").notNull()
})

export type UserRow = typeof users.$inferSelect

/** Virtual keys created through the admin API or the CLI; only the secret's SHA-256 is kept. */
export const apiKeys = sqliteTable("api_keys", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  ownerId: text("owner_id"),
  /** Hex SHA-256 of the secret. */
  hash: text("hash").notNull().unique(),
  /** The secret's first characters, for display (`sk-sluice-AbC1…`). */
  prefix: text("prefix").notNull(),
  createdAt: integer("created_at").notNull(),
  expiresAt: integer("expires_at"),
  disabled: integer("disabled", { mode: "boolean" }).notNull().default(false),
  revokedAt: integer("revoked_at"),
  models: text("models", { mode: "json" }).$type<ReadonlyArray<string>>().notNull(),
  budgetUsd: real("budget_usd"),
  budgetPeriod: text("budget_period", { enum: ["daily", "weekly", "monthly", "total"] }),
  tokenQuota: integer("token_quota"),
  tokenPeriod: text("token_period", { enum: ["daily", "weekly", "monthly", "total"] }),
  rpm: integer("rpm"),
  tpm: integer("tpm"),
  rps: real("rps"),
  burst: integer("burst"),
  concurrency: integer("concurrency"),
  allowUnpriced: integer("allow_unpriced", { mode: "boolean" }).notNull().default(false),
  captureBodies: integer("capture_bodies", { mode: "boolean" }).notNull().default(false)
})

export type ApiKeyRow = typeof apiKeys.$inferSelect

/** Values the server generates once and keeps (the session signing secret). */
export const settings = sqliteTable("settings", {
  name: text("name").primaryKey(),
  value: text("value").notNull()
})

/**
 * Providers, models and prices added through the admin API: each entry is the same snake_case object the config
 * file takes, merged into the file's config on every load so that both are validated together.
 */
export const catalog = sqliteTable("catalog", {
  kind: text("kind", { enum: ["provider", "model", "price"] }).notNull(),
  name: text("name").notNull(),
  body: text("body", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
  updatedAt: integer("updated_at").notNull()
}, (table) => [primaryKey({ columns: [table.kind, table.name] })])

export type CatalogRow = typeof catalog.$inferSelect
