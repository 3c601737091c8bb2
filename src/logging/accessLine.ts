import type { LedgerRow } from "../db/schema.ts"

/** A request's access-log line, from its ledger row: what an operator greps for, and no secret. */
export const accessLine = (row: LedgerRow): string =>
  JSON.stringify({
    level: "info",
    time: new Date(row.ts).toISOString(),
    msg: "request",
    request_id: row.requestId,
    key: row.keyName,
    surface: row.endpoint,
    model: row.model,
    provider: row.provider,
    upstream_model: row.upstreamModel,
    stream: row.stream,
    status: row.status,
    prompt_tokens: row.promptTokens,
    completion_tokens: row.completionTokens,
    cached_tokens: row.cachedTokens,
    usage: row.usageSource,
    cost_usd: row.costUsd,
    unpriced: row.unpriced,
    latency_ms: row.latencyMs,
    ttft_ms: row.ttftMs,
    ...(row.error ? { error: row.error } : {})
  }) + "\n"
