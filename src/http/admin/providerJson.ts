import { t } from "elysia"
import { Redacted } from "effect"
import type { LimitsConfig, ProviderConfig } from "../../Config.ts"
import { maskSecret } from "../../domain/maskSecret.ts"
import { providerTypes } from "../../providers/index.ts"

export type Source = "config" | "database"

export const SourceJson = t.Union([t.Literal("config"), t.Literal("database")], {
  description: "`config`: from the config file, read-only through the API; `database`: added through the admin API"
})

const limit = (description: string) => t.Optional(t.Integer({ description }))

const limitFields = {
  rpm: limit("Requests per minute"),
  tpm: limit("Tokens per minute"),
  rpd: limit("Requests per day"),
  tpr: limit("Tokens per request"),
  concurrency: limit("Requests in flight")
}

const limitsJson = (limits: LimitsConfig) =>
  Object.fromEntries(Object.entries(limits).filter((entry): entry is [string, number] => entry[1] !== undefined))

/** A provider as the admin API shows it: upstream keys and header values masked (`sk-…abcd`), never in full. */
export const ProviderJson = t.Object({
  name: t.String(),
  type: t.String(),
  source: SourceJson,
  base_url: t.Nullable(t.String({ description: "null: the type's default" })),
  keys: t.Array(t.Object({
    key: t.String({ description: "Masked: the key's kind prefix and last 4 characters" }),
    limits: t.Object(limitFields),
    disabled: t.Boolean()
  })),
  weight: t.Number(),
  models: t.Array(t.String()),
  model_map: t.Record(t.String(), t.String()),
  headers: t.Record(t.String(), t.String({ description: "Masked like keys" })),
  tls_verify: t.Boolean(),
  disabled: t.Boolean(),
  api_version: t.Nullable(t.String()),
  timeout_ms: t.Nullable(t.Integer()),
  stream_idle_timeout_ms: t.Nullable(t.Integer()),
  total_timeout_ms: t.Nullable(t.Integer())
})

export const providerJson = (provider: ProviderConfig, source: Source) => ({
  name: provider.name,
  type: provider.type,
  source,
  base_url: provider.baseUrl ?? null,
  keys: provider.keys.map((key) => ({ key: maskSecret(Redacted.value(key.key)), limits: limitsJson(key.limits), disabled: key.disabled })),
  weight: provider.weight,
  models: [...provider.models],
  model_map: provider.modelMap,
  headers: Object.fromEntries(Object.entries(provider.headers).map(([name, value]) => [name, maskSecret(value)])),
  tls_verify: provider.tlsVerify,
  disabled: provider.disabled,
  api_version: provider.apiVersion ?? null,
  timeout_ms: provider.timeoutMs ?? null,
  stream_idle_timeout_ms: provider.streamIdleTimeoutMs ?? null,
  total_timeout_ms: provider.totalTimeoutMs ?? null
})

// Fields the schemas do not list go on to the config's validation, which names them ("unknown field").
const open = { additionalProperties: true }

const Limits = t.Object(limitFields, open)

const optionalFields = {
  base_url: t.Optional(t.String({ description: "Required unless the type has a default" })),
  keys: t.Optional(t.Array(
    t.Union([t.String(), t.Object({ key: t.String(), limits: t.Optional(Limits), disabled: t.Optional(t.Boolean()) }, open)]),
    { description: "Upstream API keys. Left out of a PUT or PATCH, the stored keys stay; a key sent back masked, as GET shows it, stays as stored" }
  )),
  limits: t.Optional(t.Object(limitFields, { ...open, description: "Limits of each key that sets none of its own" })),
  disabled: t.Optional(t.Boolean()),
  weight: t.Optional(t.Number({ description: "Share of traffic under the weighted strategy; default 1" })),
  model_map: t.Optional(t.Record(t.String(), t.String(), { description: "Public model name → the upstream's name for it" })),
  headers: t.Optional(t.Record(t.String(), t.String(), { description: "Extra upstream headers; kept and masked like keys" })),
  tls_verify: t.Optional(t.Boolean()),
  api_version: t.Optional(t.String({ description: "Azure OpenAI's api-version" })),
  timeout_ms: t.Optional(t.Integer()),
  stream_idle_timeout_ms: t.Optional(t.Integer()),
  total_timeout_ms: t.Optional(t.Integer())
}

const type = t.String({ description: `The wire format: ${providerTypes.join(", ")}` })
const models = t.Array(t.String(), { description: "Public model names it serves" })

/** POST: a provider entry as in the config file's `providers:`. */
export const NewProviderBody = t.Object({ name: t.String(), type, models, ...optionalFields }, open)

/** PUT: the whole entry (its name is the path's). */
export const ProviderBody = t.Object({ name: t.Optional(t.String()), type, models, ...optionalFields }, open)

/** PATCH: the fields to change; the others stay. */
export const ProviderPatch = t.Object({ name: t.Optional(t.String()), type: t.Optional(type), models: t.Optional(models), ...optionalFields }, open)
