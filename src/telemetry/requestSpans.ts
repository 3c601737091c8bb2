import type { LedgerRow } from "../db/schema.ts"
import type { SpanRecord } from "../services/Tracing.ts"
import { newSpanId, newTraceId, parseTraceparent } from "../services/Tracing.ts"

/** OpenTelemetry GenAI `gen_ai.provider.name` values for our provider types; others use their type. */
const providerNames: Record<string, string> = {
  openai: "openai",
  azure: "azure.ai.openai",
  anthropic: "anthropic",
  gemini: "gcp.gemini",
  deepseek: "deepseek",
  groq: "groq",
  mistral: "mistral_ai",
  xai: "x_ai"
}

const operations: Record<string, string> = {
  chat: "chat",
  messages: "chat",
  responses: "chat",
  completions: "text_completion",
  embeddings: "embeddings",
  count_tokens: "count_tokens"
}

export interface RequestTrace {
  readonly row: LedgerRow
  readonly traceparent: string | null
  readonly providerType: string | undefined
  readonly upstreamUrl: string | undefined
  /** Epoch milliseconds. */
  readonly startedAt: number
  readonly sentAt: number | undefined
  readonly endedAt: number
}

/**
 * A request as spans, with the GenAI semantic conventions' attribute names: one server span for the client's
 * request, and a client span for the upstream attempt when there was one. A client's `traceparent` makes them
 * part of its trace.
 */
export const requestSpans = (trace: RequestTrace): ReadonlyArray<SpanRecord> => {
  const { row } = trace
  const parent = parseTraceparent(trace.traceparent)
  const traceId = parent?.traceId ?? newTraceId()
  const spanId = newSpanId()
  const operation = operations[row.endpoint] ?? row.endpoint
  const provider = trace.providerType === undefined ? undefined : providerNames[trace.providerType] ?? trace.providerType
  const error = row.status >= 400 ? row.error ?? `status ${row.status}` : undefined
  const usage = {
    "gen_ai.usage.input_tokens": row.promptTokens,
    "gen_ai.usage.output_tokens": row.completionTokens
  }
  const server: SpanRecord = {
    traceId,
    spanId,
    parentSpanId: parent?.parentSpanId,
    name: `${operation} ${row.model}`,
    kind: 2,
    startMs: trace.startedAt,
    endMs: trace.endedAt,
    attributes: {
      "gen_ai.operation.name": operation,
      "gen_ai.request.model": row.model,
      "gen_ai.provider.name": provider,
      ...usage,
      "http.response.status_code": row.status,
      "error.type": error === undefined ? undefined : String(row.status),
      "sluice.request_id": row.requestId,
      "sluice.key": row.keyName,
      "sluice.surface": row.endpoint,
      "sluice.provider": row.provider,
      "sluice.stream": row.stream,
      "sluice.cost_usd": row.costUsd,
      "sluice.usage_source": row.usageSource
    },
    error
  }
  if (trace.sentAt === undefined || row.upstreamModel === null || row.upstreamModel === undefined) return [server]
  const url = trace.upstreamUrl === undefined ? undefined : new URL(trace.upstreamUrl)
  const attempt: SpanRecord = {
    traceId,
    spanId: newSpanId(),
    parentSpanId: spanId,
    name: `${operation} ${row.upstreamModel}`,
    kind: 3,
    startMs: trace.sentAt,
    endMs: trace.endedAt,
    attributes: {
      "gen_ai.operation.name": operation,
      "gen_ai.request.model": row.upstreamModel,
      "gen_ai.provider.name": provider,
      ...usage,
      "server.address": url?.hostname,
      "server.port": url === undefined ? undefined : Number(url.port || (url.protocol === "https:" ? 443 : 80)),
      "http.response.status_code": row.status,
      "sluice.provider": row.provider
    },
    error
  }
  return [server, attempt]
}
