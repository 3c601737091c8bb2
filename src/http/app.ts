import { Elysia } from "elysia"
import { log } from "../logging/log.ts"
import { errorResponse, internalError } from "./respond.ts"

/** Elysia's own failures (unknown route, framework errors) in OpenAI's error shape, never a stack trace. */
export const app = () =>
  new Elysia().onError(({ code, request, error }) => {
    if (code === "NOT_FOUND") {
      const path = new URL(request.url).pathname
      return errorResponse(404, {
        message: `Unknown request URL: ${request.method} ${path}`,
        type: "invalid_request_error",
        param: null,
        code: "unknown_url"
      })
    }
    log("error", "http layer error", { code: String(code), error: String(error) })
    return internalError()
  })
