import { Elysia } from "elysia"
import type { CorsConfig } from "../Config.ts"

const defaultHeaders = ["authorization", "content-type", "x-api-key", "x-request-id", "anthropic-version", "anthropic-beta", "openai-organization", "openai-project"]
const exposed = ["x-request-id", "x-sluice-overhead-ms", "retry-after"].join(", ")

/**
 * CORS for browser clients: preflights from an allowed origin get 204 with the allowed methods and headers,
 * and every response to an allowed origin names it. Other origins get no CORS headers (the browser blocks them).
 */
export const cors = (config: CorsConfig) => {
  const any = config.origins.includes("*")
  const allowedHeaders = [...new Set([...defaultHeaders, ...config.headers.map((h) => h.toLowerCase())])].join(", ")
  const allowed = (origin: string | null): origin is string => origin !== null && (any || config.origins.includes(origin))
  const decorate = (headers: Headers, origin: string) => {
    headers.set("access-control-allow-origin", any ? "*" : origin)
    headers.set("access-control-expose-headers", exposed)
    if (!any) headers.append("vary", "Origin")
  }
  return new Elysia({ name: "cors" })
    .onRequest(({ request }) => {
      const origin = request.headers.get("origin")
      if (request.method !== "OPTIONS" || !allowed(origin) || !request.headers.has("access-control-request-method")) return
      const headers = new Headers({
        "access-control-allow-methods": "GET, POST, OPTIONS",
        "access-control-allow-headers": allowedHeaders,
        "access-control-max-age": "600"
      })
      decorate(headers, origin)
      return new Response(null, { status: 204, headers })
    })
    .mapResponse({ as: "global" }, ({ request, responseValue }) => {
      const origin = request.headers.get("origin")
      if (allowed(origin) && responseValue instanceof Response) decorate(responseValue.headers, origin)
    })
}
