import { t } from "elysia"
import { errorResponse } from "../respond.ts"

/** The admin API's error answers, OpenAI-shaped (`{ error: { message, type, param, code } }`). */
export const adminError = {
  badRequest: (param: string | null, message: string) => errorResponse(400, { message, type: "invalid_request_error", param, code: null }),
  unauthorized: (code: string, message: string) => errorResponse(401, { message, type: "authentication_error", param: null, code }),
  forbidden: (code: string, message: string, param: string | null = null) =>
    errorResponse(403, { message, type: "permission_error", param, code }),
  notFound: (message: string) => errorResponse(404, { message, type: "invalid_request_error", param: null, code: "not_found" }),
  conflict: (code: "conflict" | "read_only", message: string) => errorResponse(409, { message, type: "invalid_request_error", param: null, code }),
  tooManyRequests: (code: string, message: string, retryAfterMs: number) =>
    errorResponse(429, { message, type: "rate_limit_error", param: null, code }, { "retry-after": String(Math.ceil(retryAfterMs / 1000)) })
}

/** The error body's schema, for the OpenAPI document. */
export const ErrorJson = t.Object({
  error: t.Object({
    message: t.String(),
    type: t.String(),
    param: t.Nullable(t.String()),
    code: t.Nullable(t.String())
  })
}, { description: "An OpenAI-shaped error" })
