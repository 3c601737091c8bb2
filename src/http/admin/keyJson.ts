import { t } from "elysia"
import type { SpendStatus } from "../../services/Budget.ts"
import type { KeyView } from "../../services/KeyStore.ts"
import { isoOrNull } from "../isoOrNull.ts"

export const periodSchema = t.Union([t.Literal("daily"), t.Literal("weekly"), t.Literal("monthly"), t.Literal("total")])

const spendSchema = t.Object({
  budget: t.Nullable(t.Object({
    limit_usd: t.Number(),
    spent_usd: t.Number(),
    reserved_usd: t.Number(),
    remaining_usd: t.Number(),
    period: periodSchema,
    resets_at: t.Nullable(t.String({ format: "date-time" }))
  })),
  tokens: t.Nullable(t.Object({
    limit: t.Number(),
    used: t.Number(),
    reserved: t.Number(),
    remaining: t.Number(),
    period: periodSchema,
    resets_at: t.Nullable(t.String({ format: "date-time" }))
  }))
})

/** A key as the admin API answers it (never its secret). */
export const KeyJson = t.Object({
  id: t.String({ description: "The database id, or `config:<name>` for a key of config.yaml (read-only)" }),
  name: t.String(),
  source: t.Union([t.Literal("config"), t.Literal("database")]),
  owner_id: t.Nullable(t.String()),
  prefix: t.Nullable(t.String({ description: "The secret's first characters, for display" })),
  status: t.Union([t.Literal("active"), t.Literal("disabled"), t.Literal("revoked"), t.Literal("expired")]),
  created_at: t.Nullable(t.String({ format: "date-time" })),
  expires_at: t.Nullable(t.String({ format: "date-time" })),
  models: t.Array(t.String(), { description: "Allowed-model globs" }),
  budget: t.Nullable(t.Object({ usd: t.Number(), period: periodSchema })),
  token_quota: t.Nullable(t.Object({ tokens: t.Number(), period: periodSchema })),
  limits: t.Object({
    rpm: t.Nullable(t.Number()),
    tpm: t.Nullable(t.Number()),
    rps: t.Nullable(t.Number()),
    burst: t.Nullable(t.Number()),
    concurrency: t.Nullable(t.Number())
  }),
  allow_unpriced: t.Boolean(),
  capture_bodies: t.Boolean(),
  spend: t.Optional(spendSchema)
})

const spendJson = ({ budget, tokens }: SpendStatus) => ({
  budget: budget === null
    ? null
    : {
      limit_usd: budget.limitUsd,
      spent_usd: budget.spentUsd,
      reserved_usd: budget.reservedUsd,
      remaining_usd: budget.remainingUsd,
      period: budget.period,
      resets_at: isoOrNull(budget.resetsAt)
    },
  tokens: tokens === null
    ? null
    : {
      limit: tokens.limit,
      used: tokens.used,
      reserved: tokens.reserved,
      remaining: tokens.remaining,
      period: tokens.period,
      resets_at: isoOrNull(tokens.resetsAt)
    }
})

/** A key's snake_case JSON, with its spend in the current periods when given. */
export const keyJson = (view: KeyView, spend?: SpendStatus) => ({
  id: view.id,
  name: view.name,
  source: view.source,
  owner_id: view.ownerId,
  prefix: view.prefix,
  status: view.status,
  created_at: isoOrNull(view.createdAt),
  expires_at: isoOrNull(view.expiresAt),
  models: [...view.models],
  budget: view.budget === null ? null : { usd: view.budget.usd, period: view.budget.period },
  token_quota: view.tokenQuota === null ? null : { tokens: view.tokenQuota.tokens, period: view.tokenQuota.period },
  limits: {
    rpm: view.limits.rpm ?? null,
    tpm: view.limits.tpm ?? null,
    rps: view.limits.rps ?? null,
    burst: view.limits.burst ?? null,
    concurrency: view.limits.concurrency ?? null
  },
  allow_unpriced: view.allowUnpriced,
  capture_bodies: view.captureBodies,
  ...(spend === undefined ? {} : { spend: spendJson(spend) })
})
