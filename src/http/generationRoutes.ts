import type { SurfaceName } from "../domain/parseRequest.ts"
import type { Gateway } from "../services/Gateway.ts"
import type { CorsPolicy } from "./corsPolicy.ts"
import { generateRoute } from "./generateRoute.ts"

/**
 * The generation routes (POST) by path. Elysia declares them (so the OpenAPI document lists them) and Bun's
 * router serves them directly (see `app`): Elysia's per-request context and hooks cost a measurable share of
 * a proxied request's CPU, and these routes need none of them.
 */
export const generationRoutes = (gateway: Gateway["Service"], maxBodyBytes: number, cors: CorsPolicy | undefined) => {
  const route = (surface: SurfaceName) => generateRoute(gateway, maxBodyBytes, surface, cors)
  return {
    "/v1/chat/completions": route("chat"),
    "/v1/completions": route("completions"),
    "/v1/embeddings": route("embeddings"),
    "/v1/responses": route("responses"),
    "/v1/messages": route("messages"),
    "/v1/messages/count_tokens": route("count_tokens")
  }
}

export type GenerationRoutes = ReturnType<typeof generationRoutes>
