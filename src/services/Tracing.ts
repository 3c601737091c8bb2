import { Context, Effect, Layer, Schedule } from "effect"
import pkg from "../../package.json" with { type: "json" }
import { AppConfig } from "../Config.ts"
import { log } from "../logging/log.ts"

export type AttributeValue = string | number | boolean

/** A finished span, times in epoch milliseconds (fractional). */
export interface SpanRecord {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId: string | undefined
  readonly name: string
  /** 2: server (the client's request), 3: client (an upstream attempt). */
  readonly kind: 2 | 3
  readonly startMs: number
  readonly endMs: number
  readonly attributes: Readonly<Record<string, AttributeValue | null | undefined>>
  readonly error: string | undefined
}

/** Spans waiting beyond this many are dropped (and counted in a warning) rather than growing memory. */
const maxBuffered = 10_000

const hex = (bytes: number) => Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("hex")
export const newTraceId = () => hex(16)
export const newSpanId = () => hex(8)

const traceparentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/

/** The W3C `traceparent` a client sent, so that the gateway's spans join its trace. */
export const parseTraceparent = (value: string | null): { traceId: string; parentSpanId: string } | undefined => {
  const match = value === null ? null : traceparentPattern.exec(value.trim())
  return match === null || /^0+$/.test(match[1]!) ? undefined : { traceId: match[1]!, parentSpanId: match[2]! }
}

const nanos = (ms: number) => (BigInt(Math.round(ms * 1000)) * 1000n).toString()

const attribute = (key: string, value: AttributeValue) => ({
  key,
  value: typeof value === "string"
    ? { stringValue: value }
    : typeof value === "boolean"
    ? { boolValue: value }
    : Number.isInteger(value)
    ? { intValue: String(value) }
    : { doubleValue: value }
})

const otlpSpan = (span: SpanRecord) => ({
  traceId: span.traceId,
  spanId: span.spanId,
  ...(span.parentSpanId === undefined ? {} : { parentSpanId: span.parentSpanId }),
  name: span.name,
  kind: span.kind,
  startTimeUnixNano: nanos(span.startMs),
  endTimeUnixNano: nanos(span.endMs),
  attributes: Object.entries(span.attributes).flatMap(([key, value]) =>
    value === null || value === undefined ? [] : [attribute(key, value)]
  ),
  status: span.error === undefined ? { code: 1 } : { code: 2, message: span.error }
})

/**
 * Optional OpenTelemetry traces: finished spans are buffered and sent as OTLP/HTTP JSON to
 * `telemetry.otlp_endpoint` + `/v1/traces` by a background fiber, never on the request path. Without an
 * endpoint, `record` does nothing. On shutdown the buffer is flushed.
 */
export class Tracing extends Context.Service<Tracing, {
  readonly enabled: boolean
  readonly record: (spans: ReadonlyArray<SpanRecord>) => void
}>()("sluice/services/Tracing") {
  static readonly layer = Layer.effect(
    Tracing,
    Effect.gen(function*() {
      const { telemetry } = yield* AppConfig
      const endpoint = telemetry.otlpEndpoint
      if (endpoint === undefined) return Tracing.of({ enabled: false, record: () => {} })
      const url = `${endpoint.replace(/\/+$/, "")}/v1/traces`
      const resource = { attributes: [attribute("service.name", telemetry.serviceName), attribute("service.version", pkg.version)] }
      let buffer: Array<SpanRecord> = []
      let dropped = 0

      const flush = Effect.promise(async () => {
        if (buffer.length === 0) return
        const spans = buffer
        buffer = []
        const body = JSON.stringify({
          resourceSpans: [{ resource, scopeSpans: [{ scope: { name: "sluice", version: pkg.version }, spans: spans.map(otlpSpan) }] }]
        })
        const sent = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body, signal: AbortSignal.timeout(10_000) })
          .then((response) => response.ok ? undefined : `status ${response.status}`, (cause: unknown) => String(cause))
        if (sent !== undefined) log("warn", "trace export failed", { url, spans: spans.length, error: sent })
        if (dropped > 0) {
          log("warn", "trace spans dropped: the collector is too slow", { dropped })
          dropped = 0
        }
      })

      yield* Effect.forkScoped(Effect.repeat(flush, Schedule.spaced(telemetry.exportIntervalMs)))
      yield* Effect.addFinalizer(() => flush)

      return Tracing.of({
        enabled: true,
        record: (spans) => {
          if (buffer.length + spans.length > maxBuffered) dropped += spans.length
          else buffer.push(...spans)
        }
      })
    })
  )
}
