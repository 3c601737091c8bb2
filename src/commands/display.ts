import type { KeyJson } from "./AdminClient.ts"

/** `2025-01-31 14:05` (UTC), or `fallback` for none. */
export const shortTime = (iso: string | null, fallback = "-") => iso === null ? fallback : iso.slice(0, 16).replace("T", " ")

export const budgetText = (key: KeyJson) =>
  [
    ...(key.budget === null ? [] : [`$${key.budget.usd}/${key.budget.period}`]),
    ...(key.token_quota === null ? [] : [`${key.token_quota.tokens} tokens/${key.token_quota.period}`])
  ].join(" ") || "-"

/** What the key has used in its current periods; only a running gateway knows it (`--url`, `keys test`). */
export const spendText = (key: KeyJson): string | undefined => {
  if (key.spend === undefined) return undefined
  const { budget, tokens } = key.spend
  return [
    ...(budget === null ? [] : [`$${budget.spent_usd.toFixed(6)} of $${budget.limit_usd} (resets ${shortTime(budget.resets_at, "never")})`]),
    ...(tokens === null ? [] : [`${tokens.used} of ${tokens.limit} tokens (resets ${shortTime(tokens.resets_at, "never")})`])
  ].join(", ") || "-"
}

export const limitsText = (key: KeyJson) =>
  Object.entries(key.limits).filter(([, value]) => value !== undefined && value !== null).map(([name, value]) => `${name}=${value}`).join(" ") || "-"

/** Nested JSON as `a.b  value` pairs, for answers whose shape the CLI does not know in advance. */
export const flatten = (value: unknown, prefix = ""): Array<readonly [string, string]> => {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    return Object.entries(value).flatMap(([name, inner]) => flatten(inner, prefix === "" ? name : `${prefix}.${name}`))
  }
  if (Array.isArray(value)) return [[prefix, value.map((item) => typeof item === "object" ? JSON.stringify(item) : String(item)).join(",")]]
  return [[prefix, value === null ? "-" : String(value)]]
}
