import { Context, Effect, Layer } from "effect"
import { AppConfig, type GatewayConfig, type Strategy } from "../Config.ts"
import { closeMatches } from "../domain/closeMatches.ts"
import { fail, Forbidden, type GatewayError, NoRoute } from "../domain/GatewayError.ts"
import { type Candidate, type Route, routingTable } from "../domain/routingTable.ts"
import type { VirtualKey } from "../domain/VirtualKey.ts"
import type { Target } from "../providers/Provider.ts"

/** Where a request goes: the public model it asked for (prefix stripped) and the chosen provider and key. */
export interface Routed {
  readonly model: string
  readonly candidate: Candidate
  readonly target: Target
}

/** The targets a request may use for one model, and how the pool balances and falls back among them. */
export interface Resolved {
  readonly model: string
  readonly candidates: ReadonlyArray<Candidate>
  readonly strategy: Strategy
  /** Models to try when every candidate has failed or is unavailable. */
  readonly fallbacks: ReadonlyArray<string>
  readonly contextWindow: number | undefined
  readonly contextFallback: string | undefined
}

export class Router extends Context.Service<Router, {
  /** The candidates of a model that the key may use; NoRoute (404) or Forbidden (403) otherwise. */
  readonly resolve: (model: string, key: VirtualKey) => Effect.Effect<Resolved, GatewayError>
  /** Public model names (bare and aliases) the key may use, sorted. */
  readonly models: (key: VirtualKey) => ReadonlyArray<string>
  /** Swaps in the routing table of a new config at once; requests already routed keep their targets. */
  readonly reload: (config: GatewayConfig) => void
}>()("sluice/services/Router") {
  static readonly layer = Layer.effect(
    Router,
    Effect.gen(function*() {
      const config = yield* AppConfig
      // The model prefix is a server setting: it stays until a restart.
      const prefix = config.server.modelPrefix === undefined ? undefined : `${config.server.modelPrefix}/`
      let table = routingTable(config)
      let models = config.models

      const allowedBy = (key: VirtualKey, name: string, route: Route) =>
        route.candidates.map((candidate) => key.allows(name) || key.allows(candidate.qualified))

      const resolve = (requested: string, key: VirtualKey): Effect.Effect<Resolved, GatewayError> => {
        const model = prefix !== undefined && requested.startsWith(prefix) ? requested.slice(prefix.length) : requested
        const route = table.get(model)
        if (route === undefined) {
          const listed = [...table].filter(([, r]) => r.listed).map(([name]) => name)
          return Effect.fail(fail(new NoRoute({ model: requested, suggestions: closeMatches(model, listed) })))
        }
        const allowed = allowedBy(key, model, route)
        const candidates = route.candidates.filter((_candidate, i) => allowed[i])
        if (candidates.length === 0) {
          return Effect.fail(fail(new Forbidden({ message: `The key '${key.name}' is not allowed to use the model '${requested}'`, code: "model_not_allowed" })))
        }
        const settings = models[model]
        return Effect.succeed({
          model,
          candidates,
          strategy: settings?.strategy ?? "weighted",
          fallbacks: settings?.fallbacks ?? [],
          contextWindow: settings?.contextWindow,
          contextFallback: settings?.contextFallback
        })
      }

      const listed = (key: VirtualKey) =>
        [...table]
          .filter(([name, route]) => route.listed && allowedBy(key, name, route).some(Boolean))
          .map(([name]) => name)
          .sort()

      const reload = (next: GatewayConfig) => {
        table = routingTable(next)
        models = next.models
      }

      return Router.of({ resolve, models: listed, reload })
    })
  )
}
