import { Elysia } from "elysia"
import { Effect } from "effect"
import type { Gateway } from "../services/Gateway.ts"
import { generateRoute } from "./generateRoute.ts"
import { requestIdOf, secretOf } from "./requestContext.ts"
import { respond } from "./respond.ts"

/** The OpenAI-compatible surface: Chat Completions, legacy completions, embeddings, models and Responses. */
export const openaiRoutes = (gateway: Gateway["Service"], maxBodyBytes: number) =>
  new Elysia({ name: "openai" })
    .post("/v1/chat/completions", generateRoute(gateway, maxBodyBytes, "chat"), { parse: "none" })
    .post("/v1/completions", generateRoute(gateway, maxBodyBytes, "completions"), { parse: "none" })
    .post("/v1/embeddings", generateRoute(gateway, maxBodyBytes, "embeddings"), { parse: "none" })
    .post("/v1/responses", generateRoute(gateway, maxBodyBytes, "responses"), { parse: "none" })
    .get("/v1/models", async ({ request }) => {
      const requestId = requestIdOf(request.headers)
      const exit = await Effect.runPromiseExit(gateway.models(secretOf(request.headers)))
      return respond(exit, requestId, (list) => Response.json(list, { headers: { "x-request-id": requestId } }))
    })
