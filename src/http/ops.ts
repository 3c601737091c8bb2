import { Elysia } from "elysia"
import type { Metrics } from "../services/Metrics.ts"
import type { UsageLedger } from "../services/UsageLedger.ts"

const prometheus = { "content-type": "text/plain; version=0.0.4; charset=utf-8" }

/** Liveness, the counters an operator checks first, and Prometheus metrics; kept cheap (no database access). */
export const opsRoutes = (ledger: UsageLedger["Service"], metrics: Metrics["Service"], version: string) => {
  const startedAt = Date.now()
  return new Elysia({ name: "ops" })
    .get("/health", () => {
      const stats = ledger.stats()
      return {
        status: "ok",
        version,
        uptime_s: Math.floor((Date.now() - startedAt) / 1000),
        unpriced_requests: stats.unpriced,
        ledger: { recorded: stats.recorded, pending: stats.pending, write_errors: stats.writeErrors }
      }
    })
    .get("/metrics", () => new Response(metrics.render(), { headers: prometheus }))
}
