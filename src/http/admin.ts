import { timingSafeEqual } from "node:crypto"
import { Elysia } from "elysia"
import { Effect, Redacted } from "effect"
import { sha256 } from "../domain/sha256.ts"
import type { ProviderPool } from "../services/ProviderPool.ts"
import type { Reloader } from "../services/Reloader.ts"
import { secretOf } from "./requestContext.ts"
import { errorResponse } from "./respond.ts"

/** Constant-time: both sides are hashed to the same length first. */
const sameSecret = (given: string, expected: Redacted.Redacted<string>) =>
  timingSafeEqual(sha256(given), sha256(Redacted.value(expected)))

/**
 * The admin API (`/admin/v1`) and `/health/detailed`, behind `server.admin_key`. Without one configured they are
 * off: every admin route answers 403 and says how to turn it on.
 */
export const adminRoutes = (
  reloader: Reloader["Service"],
  pool: ProviderPool["Service"],
  adminKey: Redacted.Redacted<string> | undefined
) => {
  const guard = ({ request }: { request: Request }) => {
    if (adminKey === undefined) {
      return errorResponse(403, {
        message: "The admin API is off: set server.admin_key in the config",
        type: "permission_error",
        param: null,
        code: "admin_api_disabled"
      })
    }
    const secret = secretOf(request.headers)
    if (secret === undefined || !sameSecret(secret, adminKey)) {
      return errorResponse(401, { message: "Incorrect admin key", type: "authentication_error", param: null, code: "invalid_admin_key" })
    }
  }
  const switchProvider = (disabled: boolean) => ({ params, query }: { params: { name: string }; query: Record<string, string | undefined> }) => {
    const key = query.key === undefined ? undefined : Number(query.key)
    if (key !== undefined && !Number.isInteger(key)) {
      return errorResponse(400, { message: "'key' must be a key's position (1, 2, …)", type: "invalid_request_error", param: "key", code: null })
    }
    if (!pool.setDisabled(params.name, key, disabled)) {
      return errorResponse(404, { message: `No provider '${params.name}'${key === undefined ? "" : ` with a key #${key}`}`, type: "invalid_request_error", param: null, code: "not_found" })
    }
    return { provider: params.name, key: key ?? null, disabled }
  }
  return new Elysia({ name: "admin" })
    .onBeforeHandle(guard)
    .get("/health/detailed", () => ({ status: "ok", providers: pool.health() }))
    .post("/admin/v1/providers/:name/disable", switchProvider(true))
    .post("/admin/v1/providers/:name/enable", switchProvider(false))
    .get("/admin/v1/config/version", () => {
      const { version, loadedAt } = reloader.version()
      return { version, loaded_at: loadedAt }
    })
    .post("/admin/v1/config/reload", async () => {
      const result = await Effect.runPromise(Effect.result(reloader.reload("admin api")))
      if (result._tag === "Success") {
        const { version, loadedAt, changed } = result.success
        return { version, loaded_at: loadedAt, changed }
      }
      return Response.json({
        error: {
          message: "Invalid configuration: the old one keeps serving",
          type: "invalid_request_error",
          param: null,
          code: "invalid_config",
          problems: result.failure.problems
        }
      }, { status: 400 })
    })
}
