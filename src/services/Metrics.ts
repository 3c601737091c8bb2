import { Context, Effect, Layer, Metric } from "effect"
import { PrometheusMetrics } from "effect/observability"
import type { LedgerRow } from "../db/schema.ts"
import type { Reason } from "../domain/GatewayError.ts"
import { UsageLedger } from "./UsageLedger.ts"

const seconds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]

/** What the request path reports besides its ledger rows. */
export interface UpstreamOutcome {
  readonly provider: string
  /** Which of the provider's keys: `#1`, `#2`… (`-` for a provider without keys). */
  readonly upstreamKey: string
  /** Milliseconds from sending to the upstream's response headers; undefined when it never answered. */
  readonly latencyMs: number | undefined
  /** Why it failed, if it did. */
  readonly reason: Reason | undefined
}

/** A series' metric by its label values, one level per label. */
interface SeriesTree<M> {
  metric: M | undefined
  children: Map<string, SeriesTree<M>> | undefined
}

/**
 * The gateway's Prometheus metrics, in a registry of its own. Labels come only from configuration (model and
 * provider names, key names) and from statuses, never from raw client input: a request for a model no route
 * serves is labelled `model="-"`. Updates are synchronous map lookups, cheap enough for every request.
 */
export class Metrics extends Context.Service<Metrics, {
  readonly started: () => void
  /** A request that reached routing: its ledger row, as written. `routed`: whether a route was found. */
  readonly settled: (row: LedgerRow, routed: boolean) => void
  /** A request its key's own rate limits or budget refused (it still gets its ledger row). */
  readonly keyRefused: (reason: "rate_limit" | "budget") => void
  /** A request refused before routing (bad key, bad body): counted, without a ledger row. */
  readonly refused: (surface: string, status: number) => void
  readonly upstream: (outcome: UpstreamOutcome) => void
  /** A request's extra attempts, and whether a fallback model answered it. */
  readonly resilience: (retries: number, fellBack: boolean) => void
  readonly render: () => string
}>()("sluice/services/Metrics") {
  static readonly layer = Layer.effect(
    Metrics,
    Effect.gen(function*() {
      const ledger = yield* UsageLedger
      const context = Context.make(Metric.MetricRegistry, new Map())
      /**
       * One metric object per label set, so that an update does not rebuild its series key. Label values are
       * positional (in `labels`' order) and looked up one level each: every request updates several series, and
       * building an attributes object, or a joined key, for each was a measurable share of the gateway's own CPU.
       */
      const series = <M>(labels: ReadonlyArray<string>, make: (attributes: Record<string, string>) => M) => {
        const root: SeriesTree<M> = { metric: undefined, children: undefined }
        return (...values: ReadonlyArray<string>): M => {
          let node = root
          for (const value of values) {
            const children = node.children ??= new Map()
            let child = children.get(value)
            if (child === undefined) children.set(value, child = { metric: undefined, children: undefined })
            node = child
          }
          return node.metric ??= make(Object.fromEntries(labels.map((label, i) => [label, values[i] ?? ""])))
        }
      }
      const counter = (name: string, description: string, labels: ReadonlyArray<string> = []) =>
        series(labels, (attributes) => Metric.counter(name, { description, attributes, incremental: true }))
      const histogram = (name: string, description: string, labels: ReadonlyArray<string>) =>
        series(labels, (attributes) => Metric.histogram(name, { description, attributes, boundaries: seconds }))
      const gauge = (name: string, description: string, labels: ReadonlyArray<string>) =>
        series(labels, (attributes) => Metric.gauge(name, { description, attributes }))
      const byModel = ["model", "provider"]

      const requests = counter("sluice_requests_total", "Requests by surface, model, provider, status and key", ["surface", "model", "provider", "status", "key"])
      const duration = histogram("sluice_request_duration_seconds", "Time from request to its last byte", byModel)
      const ttft = histogram("sluice_time_to_first_token_seconds", "Time to the first streamed byte", byModel)
      const upstreamLatency = histogram("sluice_upstream_latency_seconds", "Time from sending upstream to its response headers", ["provider"])
      const tokens = counter("sluice_tokens_total", "Tokens by model, provider and type (prompt, completion, cached)", [...byModel, "type"])
      const cost = counter("sluice_cost_usd_total", "Cost in USD of priced requests", [...byModel, "key"])
      const unpriced = counter("sluice_unpriced_requests_total", "Requests whose model has no price (cost unknown)", byModel)
      const rateLimited = counter("sluice_rate_limited_total", "Requests refused for a rate limit: scope upstream or key", ["scope"])
      const budgetRefusals = counter("sluice_budget_refusals_total", "Requests refused because a budget would be exceeded")
      const retries = counter("sluice_retries_total", "Upstream attempts retried")
      const fallbacks = counter("sluice_fallbacks_total", "Requests answered by a fallback target")
      const providerUp = gauge("sluice_provider_up", "1 when the last attempt on this provider key did not fail on the upstream's side, else 0", ["provider", "key"])
      const active = Metric.gauge("sluice_active_requests", { description: "Requests in flight" })
      const queueDepth = Metric.gauge("sluice_ledger_queue_depth", { description: "Ledger rows waiting to be written" })
      const ledgerRows = Metric.counter("sluice_ledger_rows_total", { description: "Ledger rows written", incremental: true })
      const writeErrors = Metric.counter("sluice_ledger_write_errors_total", { description: "Ledger rows that failed to write", incremental: true })

      // Present from the start at 0, so that dashboards and alerts see the series before the first event.
      budgetRefusals().updateUnsafe(0, context)
      retries().updateUnsafe(0, context)
      fallbacks().updateUnsafe(0, context)
      rateLimited("upstream").updateUnsafe(0, context)
      rateLimited("key").updateUnsafe(0, context)
      active.updateUnsafe(0, context)

      // Gauges a scrape reads (requests in flight) or that rarely change (provider up) are not updated per request.
      let inFlight = 0
      const upNow = new Map<Metric.Gauge<number>, number>()
      let written = { recorded: 0, writeErrors: 0 }

      return Metrics.of({
        started: () => {
          inFlight++
        },
        settled: (row, routed) => {
          inFlight--
          const model = routed ? row.model : "-"
          const provider = row.provider ?? "-"
          requests(row.endpoint, model, provider, String(row.status), row.keyName ?? "-").updateUnsafe(1, context)
          duration(model, provider).updateUnsafe(row.latencyMs / 1000, context)
          if (row.ttftMs !== null && row.ttftMs !== undefined) ttft(model, provider).updateUnsafe(row.ttftMs / 1000, context)
          if (row.promptTokens !== null && row.promptTokens !== undefined) tokens(model, provider, "prompt").updateUnsafe(row.promptTokens, context)
          if (row.completionTokens !== null && row.completionTokens !== undefined) tokens(model, provider, "completion").updateUnsafe(row.completionTokens, context)
          if (row.cachedTokens) tokens(model, provider, "cached").updateUnsafe(row.cachedTokens, context)
          if (row.costUsd !== null && row.costUsd !== undefined) cost(model, provider, row.keyName ?? "-").updateUnsafe(row.costUsd, context)
          if (row.unpriced) unpriced(model, provider).updateUnsafe(1, context)
        },
        keyRefused: (reason) =>
          (reason === "budget" ? budgetRefusals() : rateLimited("key")).updateUnsafe(1, context),
        refused: (surface, status) => {
          inFlight--
          requests(surface, "-", "-", String(status), "-").updateUnsafe(1, context)
        },
        upstream: ({ provider, upstreamKey, latencyMs, reason }) => {
          if (latencyMs !== undefined) upstreamLatency(provider).updateUnsafe(latencyMs / 1000, context)
          if (reason?._tag === "UpstreamRateLimited") rateLimited("upstream").updateUnsafe(1, context)
          // A client that hung up or a request the upstream rejected says nothing about the provider's health.
          const up = providerUp(provider, upstreamKey)
          const value = reason?.retryable && reason._tag !== "UpstreamRateLimited" ? 0 : 1
          if (upNow.get(up) !== value) {
            upNow.set(up, value)
            up.updateUnsafe(value, context)
          }
        },
        resilience: (retried, fellBack) => {
          if (retried > 0) retries().updateUnsafe(retried, context)
          if (fellBack) fallbacks().updateUnsafe(1, context)
        },
        render: () => {
          const stats = ledger.stats()
          active.updateUnsafe(inFlight, context)
          queueDepth.updateUnsafe(stats.pending, context)
          ledgerRows.updateUnsafe(stats.recorded - written.recorded, context)
          writeErrors.updateUnsafe(stats.writeErrors - written.writeErrors, context)
          written = { recorded: stats.recorded, writeErrors: stats.writeErrors }
          return PrometheusMetrics.formatUnsafe(context)
        }
      })
    })
  )
}
