import { t } from "elysia"
import type { ModelConfig } from "../../Config.ts"
import type { Route } from "../../domain/routingTable.ts"
import { type Source, SourceJson } from "./providerJson.ts"

/** A public model name the gateway serves: a providers' model, or an alias over other models. */
export const ModelJson = t.Object({
  name: t.String(),
  type: t.Union([t.Literal("model"), t.Literal("alias")]),
  source: SourceJson,
  providers: t.Array(t.String(), { description: "Providers serving it (for an alias: its targets' providers)" }),
  targets: t.Nullable(t.Array(t.String(), { description: "An alias's targets" })),
  strategy: t.String(),
  fallbacks: t.Array(t.String()),
  context_window: t.Nullable(t.Integer()),
  context_fallback: t.Nullable(t.String())
})

export const modelJson = (name: string, route: Route, settings: ModelConfig | undefined, source: Source) => ({
  name,
  type: settings?.targets === undefined ? "model" as const : "alias" as const,
  source,
  providers: [...new Set(route.candidates.map((candidate) => candidate.provider.name))],
  targets: settings?.targets === undefined ? null : [...settings.targets],
  strategy: settings?.strategy ?? "weighted",
  fallbacks: [...settings?.fallbacks ?? []],
  context_window: settings?.contextWindow ?? null,
  context_fallback: settings?.contextFallback ?? null
})

/** PUT: an entry as in the config file's `models:`: an alias (with targets), or settings of a served model. */
export const ModelBody = t.Object({
  targets: t.Optional(t.Array(t.String(), { description: "Makes the name an alias over these models" })),
  strategy: t.Optional(t.String({ description: "weighted (default), priority, random, least-busy, latency or headroom" })),
  fallbacks: t.Optional(t.Array(t.String(), { description: "Models tried in order when every target has failed" })),
  context_window: t.Optional(t.Integer({ description: "Prompt + output tokens it takes; longer requests go to context_fallback" })),
  context_fallback: t.Optional(t.String())
}, { additionalProperties: true })
