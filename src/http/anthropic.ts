import { Elysia } from "elysia"
import type { Gateway } from "../services/Gateway.ts"
import { generateRoute } from "./generateRoute.ts"

/** Anthropic's Messages API, answered (errors included) in Anthropic's shapes whatever the upstream. */
export const anthropicRoutes = (gateway: Gateway["Service"], maxBodyBytes: number) =>
  new Elysia({ name: "anthropic" })
    .post("/v1/messages", generateRoute(gateway, maxBodyBytes, "messages"), { parse: "none" })
    .post("/v1/messages/count_tokens", generateRoute(gateway, maxBodyBytes, "count_tokens"), { parse: "none" })
