import { Elysia, t } from "elysia"
import { Context, Effect } from "effect"
import { ProviderPool } from "../../services/ProviderPool.ts"
import { Reloader } from "../../services/Reloader.ts"
import { adminError, ErrorJson } from "./adminError.ts"
import type { Authorize } from "./Principal.ts"

const errors = { 401: ErrorJson, 403: ErrorJson }
const VersionJson = t.Object({ version: t.String(), loaded_at: t.String({ format: "date-time" }) })

/** Operating the running gateway (admins only): provider health, switching providers off and on, config reloads. */
export const opsAdminRoutes = (context: Context.Context<ProviderPool | Reloader>, authorize: Authorize) => {
  const pool = Context.get(context, ProviderPool)
  const reloader = Context.get(context, Reloader)

  const switchProvider = (disabled: boolean) => ({ request, params, query }: { request: Request; params: { name: string }; query: { key?: string | undefined } }) => {
    const principal = authorize(request, "admin")
    if (principal instanceof Response) return principal
    const key = query.key === undefined ? undefined : Number(query.key)
    if (key !== undefined && !Number.isInteger(key)) return adminError.badRequest("key", "'key' must be a key's position (1, 2, …)")
    if (!pool.setDisabled(params.name, key, disabled)) {
      return adminError.notFound(`No provider '${params.name}'${key === undefined ? "" : ` with a key #${key}`}`)
    }
    return { provider: params.name, key: key ?? null, disabled }
  }
  const switchOptions = (summary: string) => ({
    params: t.Object({ name: t.String() }),
    query: t.Object({ key: t.Optional(t.String({ description: "One key's position (1, 2, …); absent: the whole provider" })) }),
    response: { 200: t.Object({ provider: t.String(), key: t.Nullable(t.Number()), disabled: t.Boolean() }), 400: ErrorJson, 404: ErrorJson, ...errors },
    detail: { tags: ["providers"], summary }
  })

  return new Elysia()
    .get("/health/detailed", ({ request }) => {
      const principal = authorize(request, "admin")
      if (principal instanceof Response) return principal
      return { status: "ok", providers: pool.health().map((provider) => ({ ...provider, keys: [...provider.keys] })) }
    }, {
      response: {
        200: t.Object({
          status: t.String(),
          providers: t.Array(t.Object({
            name: t.String(),
            type: t.String(),
            disabled: t.Boolean(),
            keys: t.Array(t.Unknown({ description: "An upstream key by position: state, usage, limits, circuit, latency, recent errors" }))
          }))
        }),
        ...errors
      },
      detail: { tags: ["ops"], summary: "Every provider and upstream key: state, usage against limits, circuit, latency" }
    })
    .post("/admin/v1/providers/:name/disable", switchProvider(true), switchOptions("Take a provider (or one of its keys) out of routing until enabled"))
    .post("/admin/v1/providers/:name/enable", switchProvider(false), switchOptions("Put a disabled provider (or key) back into routing"))
    .get("/admin/v1/config/version", ({ request }) => {
      const principal = authorize(request, "admin")
      if (principal instanceof Response) return principal
      const { version, loadedAt } = reloader.version()
      return { version, loaded_at: loadedAt }
    }, {
      response: { 200: VersionJson, ...errors },
      detail: { tags: ["config"], summary: "The running config's version (a hash of its sources) and when it was loaded" }
    })
    .post("/admin/v1/config/reload", async ({ request }) => {
      const principal = authorize(request, "admin")
      if (principal instanceof Response) return principal
      const result = await Effect.runPromise(Effect.result(reloader.reload("admin api")))
      if (result._tag === "Success") {
        const { version, loadedAt, changed } = result.success
        return Response.json({ version, loaded_at: loadedAt, changed })
      }
      return Response.json({
        error: {
          message: "Invalid configuration: the old one keeps serving",
          type: "invalid_request_error",
          param: null,
          code: "invalid_config",
          problems: result.failure.problems
        }
      }, { status: 400 })
    }, {
      response: {
        200: t.Composite([VersionJson, t.Object({ changed: t.Boolean({ description: "False when the sources were unchanged" }) })]),
        400: t.Object({
          error: t.Object({
            message: t.String(),
            type: t.String(),
            param: t.Null(),
            code: t.String(),
            problems: t.Array(t.Object({ path: t.String(), message: t.String(), origin: t.String() }))
          })
        }, { description: "The new config is invalid: every problem, and the old config keeps serving" }),
        ...errors
      },
      detail: { tags: ["config"], summary: "Re-read the config file (and .env) and apply it, or keep the old one and say why" }
    })
}
