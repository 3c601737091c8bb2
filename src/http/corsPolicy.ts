import type { CorsConfig } from "../Config.ts"

const defaultHeaders = ["authorization", "content-type", "x-api-key", "x-request-id", "anthropic-version", "anthropic-beta", "openai-organization", "openai-project"]
const exposed = ["x-request-id", "x-sluice-overhead-ms", "retry-after"].join(", ")

export interface CorsPolicy {
  /** The 204 answer to a preflight from an allowed origin; undefined for any other request. */
  readonly preflight: (request: Request) => Response | undefined
  /** Names an allowed origin on a response; responses to other origins get no CORS headers (the browser blocks them). */
  readonly decorate: (request: Request, response: Response) => void
}

/** CORS for browser clients, shared by the Elysia routes and the generation routes Bun serves directly. */
export const corsPolicy = (config: CorsConfig): CorsPolicy => {
  const any = config.origins.includes("*")
  const allowedHeaders = [...new Set([...defaultHeaders, ...config.headers.map((h) => h.toLowerCase())])].join(", ")
  const allowed = (origin: string | null): origin is string => origin !== null && (any || config.origins.includes(origin))
  const name = (headers: Headers, origin: string) => {
    headers.set("access-control-allow-origin", any ? "*" : origin)
    headers.set("access-control-expose-headers", exposed)
    // Idempotent: a response may pass both the generation route's own decoration and the Elysia hook.
    if (!any && !/\borigin\b/i.test(headers.get("vary") ?? "")) headers.append("vary", "Origin")
  }
  return {
    preflight: (request) => {
      const origin = request.headers.get("origin")
      if (request.method !== "OPTIONS" || !allowed(origin) || !request.headers.has("access-control-request-method")) return undefined
      const headers = new Headers({
        "access-control-allow-methods": "GET, POST, OPTIONS",
        "access-control-allow-headers": allowedHeaders,
        "access-control-max-age": "600"
      })
      name(headers, origin)
      return new Response(null, { status: 204, headers })
    },
    decorate: (request, response) => {
      const origin = request.headers.get("origin")
      if (allowed(origin)) name(response.headers, origin)
    }
  }
}
