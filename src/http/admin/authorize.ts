import { timingSafeEqual } from "node:crypto"
import { Effect, Exit, Redacted } from "effect"
import { sha256 } from "../../domain/sha256.ts"
import { log } from "../../logging/log.ts"
import type { Sessions } from "../../services/Sessions.ts"
import type { Users } from "../../services/Users.ts"
import { secretOf } from "../requestContext.ts"
import { internalError } from "../respond.ts"
import { adminError } from "./adminError.ts"
import { type Authorize, isAdmin, type Principal } from "./Principal.ts"

/** Constant-time: both sides are hashed to the same length first. */
const sameSecret = (given: string, expected: Redacted.Redacted<string>) =>
  timingSafeEqual(sha256(given), sha256(Redacted.value(expected)))

const turnedOff = () =>
  adminError.forbidden(
    "admin_api_disabled",
    "The admin API is off: set server.admin_key in the config, or run `sluice setup` to create the first admin user"
  )

/**
 * The admin API's guard: `server.admin_key` (constant-time compare) or a session token of a user who still exists
 * and is not disabled; the user's current role counts, not the one in the token. With neither an admin key nor
 * any user, the admin API is off (403 saying how to turn it on).
 */
export const authorize = (
  users: Users["Service"],
  sessions: Sessions["Service"],
  adminKey: Redacted.Redacted<string> | undefined
): Authorize => {
  // bun:sqlite is synchronous, so these effects complete at once.
  const sync = <A>(effect: Effect.Effect<A, unknown>): A | Response => {
    const exit = Effect.runSyncExit(effect)
    if (Exit.isSuccess(exit)) return exit.value
    log("error", "admin api: reading users failed", { cause: String(exit.cause) })
    return internalError()
  }

  const identify = (secret: string): Principal | Response => {
    if (adminKey !== undefined && sameSecret(secret, adminKey)) return { kind: "admin-key" }
    const session = sessions.verify(secret)
    if (session === undefined) return adminError.unauthorized("invalid_credentials", "Incorrect admin key, or an invalid or expired session token")
    const user = sync(users.get(session.userId))
    if (user instanceof Response) return user
    if (user === undefined) return adminError.unauthorized("invalid_credentials", "The session's user no longer exists")
    if (user.disabled) return adminError.unauthorized("user_disabled", "This user is disabled")
    return { kind: "user", userId: user.id, role: user.role }
  }

  /** The admin API is off only while there is no admin key and no user: then every route says how to turn it on. */
  const off = (): boolean | Response => {
    if (adminKey !== undefined) return false
    const all = sync(users.list())
    return all instanceof Response ? all : all.length === 0
  }

  return (request, need) => {
    const secret = secretOf(request.headers)
    const principal = secret === undefined || secret === ""
      ? adminError.unauthorized("missing_credentials", "Missing credentials: send the admin key or a session token as 'Authorization: Bearer <token>'")
      : identify(secret)
    if (principal instanceof Response) {
      const isOff = off()
      return isOff instanceof Response ? isOff : isOff ? turnedOff() : principal
    }
    if (need === "admin" && !isAdmin(principal)) {
      return adminError.forbidden("admin_required", "This route is for admins: members manage only their own keys and usage")
    }
    return principal
  }
}
