import { Cause, Effect, Exit } from "effect"
import { DatabaseError } from "../../db/Database.ts"
import { log } from "../../logging/log.ts"
import type { KeyStoreError } from "../../services/KeyStore.ts"
import type { UsersError } from "../../services/Users.ts"
import { internalError } from "../respond.ts"
import { adminError } from "./adminError.ts"

export type AdminFailure = UsersError | KeyStoreError | DatabaseError

const answer = <A>(exit: Exit.Exit<A, AdminFailure>): A | Response => {
  if (Exit.isSuccess(exit)) return exit.value
  const found = Cause.findErrorOption(exit.cause)
  if (found._tag === "None") {
    log("error", "admin api: unexpected failure", { cause: Cause.pretty(exit.cause) })
    return internalError()
  }
  const error = found.value
  if (error instanceof DatabaseError) {
    log("error", "admin api: database error", { message: error.message })
    return internalError()
  }
  if (error.kind === "not_found") return adminError.notFound(error.message)
  return adminError.conflict(error.kind, error.message)
}

/**
 * Runs an admin operation that completes at once (bun:sqlite is synchronous): its value, or its failure as a
 * 404 / 409 / 500 answer; a defect is logged, never sent.
 */
export const runAdmin = <A>(effect: Effect.Effect<A, AdminFailure>): A | Response => answer(Effect.runSyncExit(effect))

/**
 * The same, for operations that wait (password hashing). Routes that await answer with `Response.json` on success
 * too: Elysia's handler types reject a promise of a body-or-Response union.
 */
export const runAdminPromise = async <A>(effect: Effect.Effect<A, AdminFailure>): Promise<A | Response> =>
  answer(await Effect.runPromiseExit(effect))
