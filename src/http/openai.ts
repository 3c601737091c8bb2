import { Elysia } from "elysia"
import type { Server } from "bun"
import { Effect } from "effect"
import { fail, PayloadTooLarge } from "../domain/GatewayError.ts"
import type { GenerateEndpoint } from "../domain/parseRequest.ts"
import type { Gateway } from "../services/Gateway.ts"
import { readBody } from "./readBody.ts"
import { requestIdOf, secretOf } from "./requestContext.ts"
import { errorFor, respond } from "./respond.ts"

const decoder = new TextDecoder()

/**
 * The OpenAI-compatible surface: bodies are read raw (never parsed twice) and handed to the Gateway. The
 * Gateway's effects need no services (their layer captured them), so they run on the default runtime. A client
 * that disconnects aborts the upstream call through `request.signal`, which settles the request as 499.
 */
export const openaiRoutes = (
  gateway: Gateway["Service"],
  maxBodyBytes: number
) => {
  const generate = (endpoint: GenerateEndpoint) => async ({ request, server }: { request: Request; server: Server<unknown> | null }) => {
    // A generation may be silent for minutes before its first byte: upstream timeouts govern it, not Bun's.
    server?.timeout(request, 0)
    const requestId = requestIdOf(request.headers)
    const bytes = await readBody(request, maxBodyBytes)
    if (bytes === undefined) return errorFor(fail(new PayloadTooLarge({ limit: maxBodyBytes })), requestId)
    const text = decoder.decode(bytes)
    const exit = await Effect.runPromiseExit(
      gateway.handle({ endpoint, text, secret: secretOf(request.headers), signal: request.signal, requestId })
    )
    return respond(exit, requestId, (response) => response)
  }

  return new Elysia({ name: "openai" })
    .post("/v1/chat/completions", generate("chat"), { parse: "none" })
    .post("/v1/completions", generate("completions"), { parse: "none" })
    .post("/v1/embeddings", generate("embeddings"), { parse: "none" })
    .get("/v1/models", async ({ request }) => {
      const requestId = requestIdOf(request.headers)
      const exit = await Effect.runPromiseExit(gateway.models(secretOf(request.headers)))
      return respond(exit, requestId, (list) => Response.json(list, { headers: { "x-request-id": requestId } }))
    })
}
