import { timingSafeEqual } from "node:crypto"
import { Elysia } from "elysia"
import { Effect, Redacted } from "effect"
import type { Reloader } from "../services/Reloader.ts"
import { secretOf } from "./requestContext.ts"
import { errorResponse } from "./respond.ts"

const digest = (text: string) => new Bun.CryptoHasher("sha256").update(text).digest()

/** Constant-time: both sides are hashed to the same length first. */
const sameSecret = (given: string, expected: Redacted.Redacted<string>) =>
  timingSafeEqual(digest(given), digest(Redacted.value(expected)))

/**
 * The admin API (`/admin/v1`), behind `server.admin_key`. Without one configured it is off: every admin route
 * answers 403 and says how to turn it on.
 */
export const adminRoutes = (reloader: Reloader["Service"], adminKey: Redacted.Redacted<string> | undefined) =>
  new Elysia({ name: "admin", prefix: "/admin/v1" })
    .onBeforeHandle(({ request }) => {
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
    })
    .get("/config/version", () => {
      const { version, loadedAt } = reloader.version()
      return { version, loaded_at: loadedAt }
    })
    .post("/config/reload", async () => {
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
