import type { Reason } from "../../domain/GatewayError.ts"
import type { JsonObject } from "../../providers/Provider.ts"

const typeFor = (status: number): string => {
  switch (status) {
    case 401:
      return "authentication_error"
    case 402:
      return "billing_error"
    case 403:
      return "permission_error"
    case 404:
      return "not_found_error"
    case 413:
      return "request_too_large"
    case 429:
      return "rate_limit_error"
    case 503:
    case 529:
      return "overloaded_error"
    case 504:
      return "timeout_error"
    default:
      return status >= 500 ? "api_error" : "invalid_request_error"
  }
}

/**
 * The error body Anthropic's API and SDKs use, its `type` chosen by the reason's HTTP status, or by the
 * upstream's for an unavailable upstream, so that an overloaded one still reads as `overloaded_error`.
 */
export const anthropicErrorBody = (reason: Reason): JsonObject => ({
  type: "error",
  error: {
    type: typeFor(reason._tag === "UpstreamUnavailable" ? reason.upstreamStatus ?? reason.status : reason.status),
    message: reason.message
  }
})
