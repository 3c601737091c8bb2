import { Elysia } from "elysia"
import { Context, Effect } from "effect"
import { Budget } from "../services/Budget.ts"
import { KeyStore } from "../services/KeyStore.ts"
import { keyJson } from "./admin/keyJson.ts"
import { requestIdOf, secretOf } from "./requestContext.ts"
import { respond } from "./respond.ts"

/** GET /v1/key/info: a key holder's own key (limits, budget, spend, expiry), authenticated with that key. */
export const keyInfoRoute = (context: Context.Context<KeyStore | Budget>) => {
  const keys = Context.get(context, KeyStore)
  const budget = Context.get(context, Budget)
  return new Elysia({ name: "key-info" }).get("/v1/key/info", async ({ request }) => {
    const requestId = requestIdOf(request.headers)
    const exit = await Effect.runPromiseExit(keys.authenticate(secretOf(request.headers)))
    return respond(exit, requestId, (key) => {
      const view = keys.get(key.id)
      const body = view === undefined
        ? { id: key.id, name: key.name, source: key.source, status: "active", models: key.models }
        : keyJson(view, budget.status(key))
      return Response.json(body, { headers: { "x-request-id": requestId } })
    })
  }, { detail: { tags: ["key holders"], summary: "The calling key's limits, budget, spend and expiry" } })
}
