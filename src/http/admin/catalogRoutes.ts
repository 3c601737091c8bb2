import { Elysia, t } from "elysia"
import { Cause, Context, Effect, Exit, Result } from "effect"
import { type CatalogEntry, type CatalogKind, sectionOf } from "../../config/CatalogEntry.ts"
import { formatPath } from "../../config/Path.ts"
import { ConfigError } from "../../Config.ts"
import { type Route, routingTable } from "../../domain/routingTable.ts"
import { log } from "../../logging/log.ts"
import { Reloader, type Serving } from "../../services/Reloader.ts"
import { internalError } from "../respond.ts"
import { adminError, ErrorJson } from "./adminError.ts"
import { invalidConfig } from "./invalidConfig.ts"
import { keepStoredSecrets } from "./keepStoredSecrets.ts"
import { ModelBody, ModelJson, modelJson } from "./modelJson.ts"
import { PriceBody, PriceJson, priceJson } from "./priceJson.ts"
import type { Authorize } from "./Principal.ts"
import { NewProviderBody, ProviderBody, ProviderJson, providerJson, ProviderPatch, type Source } from "./providerJson.ts"

type Body = CatalogEntry["body"]

const describe: Readonly<Record<CatalogKind, (name: string) => string>> = {
  provider: (name) => `provider '${name}'`,
  model: (name) => `model entry '${name}'`,
  price: (name) => `price override for '${name}'`
}

const storedBody = (catalog: ReadonlyArray<CatalogEntry>, kind: CatalogKind, name: string): Body | undefined =>
  catalog.find((entry) => entry.kind === kind && entry.name === name)?.body

const sourceOf = (catalog: ReadonlyArray<CatalogEntry>, kind: CatalogKind, name: string): Source =>
  storedBody(catalog, kind, name) === undefined ? "config" : "database"

/** Whether the config file (not the catalog) has this entry: it is read-only here. */
const inFile = ({ config, catalog }: Serving, kind: CatalogKind, name: string): boolean =>
  storedBody(catalog, kind, name) === undefined && (
    kind === "provider"
      ? config.providers.some((provider) => provider.name === name)
      : Object.hasOwn(kind === "model" ? config.models : config.pricing, name)
  )

const readOnly = (kind: CatalogKind, name: string) =>
  adminError.conflict("read_only", `The ${describe[kind](name)} comes from the config file: change it there`)

/** The stored body of a catalog entry that may be changed: 409 for an entry of the file, 404 for none. */
const writable = (serving: Serving, kind: CatalogKind, name: string): Result.Result<Body, Response> => {
  const body = storedBody(serving.catalog, kind, name)
  if (body !== undefined) return Result.succeed(body)
  return Result.fail(inFile(serving, kind, name) ? readOnly(kind, name) : adminError.notFound(`No ${describe[kind](name)}`))
}

const withSecrets = (body: Body, stored: Body): Result.Result<Body, Response> =>
  Result.mapError(keepStoredSecrets(body, stored), ({ param, message }) => adminError.badRequest(param, message))

const renaming = (name: string) =>
  adminError.badRequest("name", `The body names another provider than the path ('${name}'): a provider cannot be renamed; create a new one`)

/** 'keys[0]' for Elysia's '/keys/0'. */
const paramOf = (pointer: string): string =>
  formatPath(pointer.split("/").filter((part) => part !== "").map((part) => /^\d+$/.test(part) ? Number(part) : part))

/** A model's source: its entry's, else (a model as providers serve it) `database` only if all its providers are. */
const modelSource = ({ config, catalog }: Serving, name: string, route: Route): Source =>
  Object.hasOwn(config.models, name)
    ? sourceOf(catalog, "model", name)
    : route.candidates.every((candidate) => sourceOf(catalog, "provider", candidate.provider.name) === "database")
    ? "database"
    : "config"

const nameParam = (description: string) => t.Object({ name: t.String({ description }) })
const modelParam = t.Object({ model: t.String({ description: "The model name the price is for" }) })
const guarded = { 401: ErrorJson, 403: ErrorJson }
/** A change: 400 (invalid body or config), 404 (no such entry), 409 (name taken, or an entry of the file). */
const changing = { ...guarded, 400: ErrorJson, 404: ErrorJson, 409: ErrorJson }
const deleted = t.Object({ name: t.String(), deleted: t.Literal(true) })

/**
 * Providers, models (and aliases) and price overrides, for admins: those of the config file are listed read-only,
 * those added here are kept in the database (the catalog) and merged into the config. A change is applied as a
 * reload: validated together with the file, written only if valid, live at once; an invalid one is answered 400
 * with every problem and the old config keeps serving. Upstream keys and header values are only shown masked.
 */
export const catalogRoutes = (context: Context.Context<Reloader>, authorize: Authorize) => {
  const reloader = Context.get(context, Reloader)

  const denied = (request: Request): Response | undefined => {
    const principal = authorize(request, "admin")
    return principal instanceof Response ? principal : undefined
  }

  /** Applies the change `plan` makes to one entry (its new body, or null to delete it) and answers with `answer`. */
  const commit = async (
    verb: string,
    kind: CatalogKind,
    name: string,
    plan: (serving: Serving) => Result.Result<Body | null, Response>,
    answer: () => Response
  ): Promise<Response> => {
    const change = reloader.change(`admin api: ${verb} ${describe[kind](name)}`, (serving) =>
      Result.map(plan(serving), (body) => ({ kind, name, body })))
    const exit = await Effect.runPromiseExit(change)
    if (Exit.isSuccess(exit)) return answer()
    const error = Cause.findErrorOption(exit.cause)
    if (error._tag === "Some" && error.value instanceof Response) return error.value
    if (error._tag === "Some" && error.value instanceof ConfigError) {
      return invalidConfig(error.value.problems, formatPath(["catalog", sectionOf[kind], name]))
    }
    log("error", "admin api: catalog change failed", { cause: Cause.pretty(exit.cause) })
    return internalError()
  }

  const providerAnswer = (name: string, status: number): Response => {
    const { config, catalog } = reloader.serving()
    const provider = config.providers.find((candidate) => candidate.name === name)
    return provider === undefined
      ? adminError.notFound(`No ${describe.provider(name)}`)
      : Response.json(providerJson(provider, sourceOf(catalog, "provider", name)), { status })
  }

  const modelAnswer = (name: string, status: number): Response => {
    const serving = reloader.serving()
    const route = routingTable(serving.config).get(name)
    return route === undefined || !route.listed
      ? adminError.notFound(`No model '${name}'`)
      : Response.json(modelJson(name, route, serving.config.models[name], modelSource(serving, name, route)), { status })
  }

  const priceAnswer = (model: string, status: number): Response => {
    const { config, catalog } = reloader.serving()
    const price = config.pricing[model]
    return price === undefined
      ? adminError.notFound(`No ${describe.price(model)}`)
      : Response.json(priceJson(model, price, sourceOf(catalog, "price", model)), { status })
  }

  /** PUT of a model or price: replaces a catalog entry or adds one; the file's entries are read-only. */
  const put = (kind: "model" | "price", name: string, body: Body, answer: (name: string, status: number) => Response) => {
    let created = false
    return commit("set", kind, name, (serving) => {
      if (inFile(serving, kind, name)) return Result.fail(readOnly(kind, name))
      created = storedBody(serving.catalog, kind, name) === undefined
      return Result.succeed(body)
    }, () => answer(name, created ? 201 : 200))
  }

  const remove = (kind: CatalogKind, name: string) =>
    commit("deleted", kind, name, (serving) => Result.map(writable(serving, kind, name), () => null), () => Response.json({ name, deleted: true }))

  return new Elysia({ name: "admin-catalog" })
    .onError(({ code, error }) => {
      if (code === "PARSE") return adminError.badRequest(null, "The body is not valid JSON")
      if (code !== "VALIDATION") return
      // Elysia's own messages can quote the value sent (a key, perhaps): only the field and the expectation are used.
      const [first] = error.all
      const param = first === undefined ? "" : paramOf(first.path)
      return adminError.badRequest(param === "" ? null : param, first === undefined ? "Invalid request" : `${param || "body"}: ${first.message}`)
    })
    .get("/admin/v1/providers", ({ request }) => {
      const refusal = denied(request)
      if (refusal !== undefined) return refusal
      const { config, catalog } = reloader.serving()
      return { data: config.providers.map((provider) => providerJson(provider, sourceOf(catalog, "provider", provider.name))) }
    }, {
      response: { 200: t.Object({ data: t.Array(ProviderJson) }), ...guarded },
      detail: { tags: ["providers"], summary: "Every provider: the config file's (read-only) and those added here; keys masked" }
    })
    .post("/admin/v1/providers", async ({ request, body }) => {
      const refusal = denied(request)
      if (refusal !== undefined) return refusal
      const { name, ...fields } = body
      return commit("created", "provider", name, (serving) => {
        if (serving.config.providers.some((provider) => provider.name === name) || storedBody(serving.catalog, "provider", name) !== undefined) {
          return Result.fail(adminError.conflict("conflict", `A provider named '${name}' already exists`))
        }
        return withSecrets(fields, {})
      }, () => providerAnswer(name, 201))
    }, {
      body: NewProviderBody,
      response: { 201: ProviderJson, ...changing },
      detail: { tags: ["providers"], summary: "Add a provider: validated with the whole config, serving at once" }
    })
    .get("/admin/v1/providers/:name", ({ request, params }) => denied(request) ?? providerAnswer(params.name, 200), {
      params: nameParam("The provider's name"),
      response: { 200: ProviderJson, ...guarded, 404: ErrorJson },
      detail: { tags: ["providers"], summary: "One provider; keys masked" }
    })
    .put("/admin/v1/providers/:name", async ({ request, params, body }) => {
      const refusal = denied(request)
      if (refusal !== undefined) return refusal
      const { name, ...fields } = body
      if (name !== undefined && name !== params.name) return renaming(params.name)
      return commit("replaced", "provider", params.name, (serving) =>
        Result.flatMap(writable(serving, "provider", params.name), (stored) => withSecrets(fields, stored)),
        () => providerAnswer(params.name, 200))
    }, {
      params: nameParam("A provider added through the admin API"),
      body: ProviderBody,
      response: { 200: ProviderJson, ...changing },
      detail: { tags: ["providers"], summary: "Replace a provider added here (keys left out stay as stored)" }
    })
    .patch("/admin/v1/providers/:name", async ({ request, params, body }) => {
      const refusal = denied(request)
      if (refusal !== undefined) return refusal
      const { name, ...fields } = body
      if (name !== undefined && name !== params.name) return renaming(params.name)
      return commit("updated", "provider", params.name, (serving) =>
        Result.flatMap(writable(serving, "provider", params.name), (stored) => withSecrets({ ...stored, ...fields }, stored)),
        () => providerAnswer(params.name, 200))
    }, {
      params: nameParam("A provider added through the admin API"),
      body: ProviderPatch,
      response: { 200: ProviderJson, ...changing },
      detail: { tags: ["providers"], summary: "Change some fields of a provider added here (e.g. `disabled`, `models`)" }
    })
    .delete("/admin/v1/providers/:name", async ({ request, params }) =>
      denied(request) ?? remove("provider", params.name), {
      params: nameParam("A provider added through the admin API"),
      response: { 200: deleted, ...changing },
      detail: { tags: ["providers"], summary: "Delete a provider added here; its models stop being served at once" }
    })
    .get("/admin/v1/models", ({ request }) => {
      const refusal = denied(request)
      if (refusal !== undefined) return refusal
      const serving = reloader.serving()
      const data = [...routingTable(serving.config)]
        .filter(([, route]) => route.listed)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, route]) => modelJson(name, route, serving.config.models[name], modelSource(serving, name, route)))
      return { data }
    }, {
      response: { 200: t.Object({ data: t.Array(ModelJson) }), ...guarded },
      detail: { tags: ["models"], summary: "Every model and alias served, with its providers and settings" }
    })
    .get("/admin/v1/models/:name", ({ request, params }) => denied(request) ?? modelAnswer(params.name, 200), {
      params: nameParam("A public model name or alias"),
      response: { 200: ModelJson, ...guarded, 404: ErrorJson },
      detail: { tags: ["models"], summary: "One model or alias" }
    })
    .put("/admin/v1/models/:name", async ({ request, params, body }) =>
      denied(request) ?? put("model", params.name, { ...body }, modelAnswer), {
      params: nameParam("The alias, or a model providers serve"),
      body: ModelBody,
      response: { 200: ModelJson, 201: ModelJson, ...changing },
      detail: { tags: ["models"], summary: "Add or replace an alias (with targets) or a served model's settings" }
    })
    .delete("/admin/v1/models/:name", async ({ request, params }) =>
      denied(request) ?? remove("model", params.name), {
      params: nameParam("An alias or model entry added through the admin API"),
      response: { 200: deleted, ...changing },
      detail: { tags: ["models"], summary: "Delete an alias or model entry added here" }
    })
    .get("/admin/v1/pricing", ({ request }) => {
      const refusal = denied(request)
      if (refusal !== undefined) return refusal
      const { config, catalog } = reloader.serving()
      return { data: Object.entries(config.pricing).map(([model, price]) => priceJson(model, price, sourceOf(catalog, "price", model))) }
    }, {
      response: { 200: t.Object({ data: t.Array(PriceJson) }), ...guarded },
      detail: { tags: ["pricing"], summary: "Price overrides: the config file's (read-only) and those set here" }
    })
    .put("/admin/v1/pricing/:model", async ({ request, params, body }) =>
      denied(request) ?? put("price", params.model, { ...body }, priceAnswer), {
      params: modelParam,
      body: PriceBody,
      response: { 200: PriceJson, 201: PriceJson, ...changing },
      detail: { tags: ["pricing"], summary: "Set a model's price (USD per million tokens); the next request is costed with it" }
    })
    .delete("/admin/v1/pricing/:model", async ({ request, params }) =>
      denied(request) ?? remove("price", params.model), {
      params: modelParam,
      response: { 200: deleted, ...changing },
      detail: { tags: ["pricing"], summary: "Delete a price override set here (the built-in price applies again)" }
    })
}
