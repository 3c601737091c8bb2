import { Elysia } from "elysia"
import type { GenerationRoutes } from "./generationRoutes.ts"

/** Anthropic's Messages API, answered (errors included) in Anthropic's shapes whatever the upstream. */
export const anthropicRoutes = (routes: GenerationRoutes) =>
  new Elysia({ name: "anthropic" })
    .post("/v1/messages", ({ request }) => routes["/v1/messages"](request), { parse: "none" })
    .post("/v1/messages/count_tokens", ({ request }) => routes["/v1/messages/count_tokens"](request), { parse: "none" })
