import { Elysia } from "elysia"
import type { UsageLedger } from "../services/UsageLedger.ts"

/** Liveness and the counters an operator checks first; kept cheap (no database access). */
export const opsRoutes = (ledger: UsageLedger["Service"], version: string) => {
  const startedAt = Date.now()
  return new Elysia({ name: "ops" }).get("/health", () => {
    const stats = ledger.stats()
    return {
      status: "ok",
      version,
      uptime_s: Math.floor((Date.now() - startedAt) / 1000),
      unpriced_requests: stats.unpriced,
      ledger: { recorded: stats.recorded, pending: stats.pending, write_errors: stats.writeErrors }
    }
  })
}
