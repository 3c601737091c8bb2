import { Cause, Exit } from "effect"
import type { GatewayError } from "../domain/GatewayError.ts"
import { log } from "../logging/log.ts"
import { openaiErrorBody } from "../surfaces/chat.ts"
import type { Surface } from "../surfaces/Surface.ts"

export interface ErrorBody {
  readonly message: string
  readonly type: string
  readonly param: string | null
  readonly code: string | null
}

/** OpenAI's error shape, for failures outside any surface (unknown routes, framework errors). */
export const errorResponse = (status: number, error: ErrorBody, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ error }), { status, headers: { "content-type": "application/json", ...headers } })

/** A gateway error as its HTTP response: status, the surface's error body and `retry-after` from the reason. */
export const errorFor = ({ reason }: GatewayError, requestId: string, errorBody: Surface["errorBody"] = openaiErrorBody) => {
  const headers: Record<string, string> = { "content-type": "application/json", "x-request-id": requestId }
  if ((reason._tag === "UpstreamRateLimited" || reason._tag === "RateLimited") && reason.retryAfterMs !== null) {
    headers["retry-after"] = String(Math.ceil(reason.retryAfterMs / 1000))
  }
  if (reason._tag === "RateLimited" && reason.headers !== undefined) Object.assign(headers, reason.headers)
  return new Response(JSON.stringify(errorBody(reason)), { status: reason.status, headers })
}

/** A bug's answer: the cause is logged, never sent. */
export const internalError = (headers: Record<string, string> = {}) =>
  errorResponse(500, { message: "Internal gateway error", type: "server_error", param: null, code: "internal_error" }, headers)

/** The only place a request's outcome becomes an HTTP response: typed errors by their reason, defects as 500. */
export const respond = <A>(
  exit: Exit.Exit<A, GatewayError>,
  requestId: string,
  ok: (value: A) => Response,
  errorBody: Surface["errorBody"] = openaiErrorBody
): Response => {
  if (Exit.isSuccess(exit)) return ok(exit.value)
  const error = Cause.findErrorOption(exit.cause)
  if (error._tag === "Some") return errorFor(error.value, requestId, errorBody)
  log("error", "unexpected failure", { requestId, cause: Cause.pretty(exit.cause) })
  return internalError({ "x-request-id": requestId })
}
