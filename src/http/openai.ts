import { Elysia } from "elysia"
import { Effect } from "effect"
import type { Gateway } from "../services/Gateway.ts"
import type { GenerationRoutes } from "./generationRoutes.ts"
import { requestIdOf, secretOf } from "./requestContext.ts"
import { respond } from "./respond.ts"

/** The OpenAI-compatible surface: Chat Completions, legacy completions, embeddings, models and Responses. */
export const openaiRoutes = (gateway: Gateway["Service"], routes: GenerationRoutes) =>
  new Elysia({ name: "openai" })
    .post("/v1/chat/completions", ({ request }) => routes["/v1/chat/completions"](request), { parse: "none" })
    .post("/v1/completions", ({ request }) => routes["/v1/completions"](request), { parse: "none" })
    .post("/v1/embeddings", ({ request }) => routes["/v1/embeddings"](request), { parse: "none" })
    .post("/v1/responses", ({ request }) => routes["/v1/responses"](request), { parse: "none" })
    .get("/v1/models", async ({ request }) => {
      const requestId = requestIdOf(request.headers)
      const exit = await Effect.runPromiseExit(gateway.models(secretOf(request.headers)))
      return respond(exit, requestId, (list) => Response.json(list, { headers: { "x-request-id": requestId } }))
    })
