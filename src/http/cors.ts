import { Elysia } from "elysia"
import type { CorsPolicy } from "./corsPolicy.ts"

/** The CORS policy on every Elysia route: preflights answered, responses to allowed origins decorated. */
export const cors = (policy: CorsPolicy) =>
  new Elysia({ name: "cors" })
    .onRequest(({ request }) => policy.preflight(request))
    .mapResponse({ as: "global" }, ({ request, responseValue }) => {
      if (responseValue instanceof Response) policy.decorate(request, responseValue)
    })
