import { Context, Effect, Layer } from "effect"
import { AppConfig, type GatewayConfig } from "../Config.ts"
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

/** Smooth weighted round robin (nginx's): even spread, exact proportions over every cycle of the weights. */
const weightedPicker = (route: Route) => {
  const current = new Float64Array(route.candidates.length)
  return (allowed: ReadonlyArray<boolean>): Candidate | undefined => {
    let total = 0
    let best = -1
    route.candidates.forEach((candidate, i) => {
      if (!allowed[i]) return
      current[i]! += candidate.provider.weight
      total += candidate.provider.weight
      if (best < 0 || current[i]! > current[best]!) best = i
    })
    if (best < 0) return undefined
    current[best]! -= total
    return route.candidates[best]
  }
}

export class Router extends Context.Service<Router, {
  readonly resolve: (model: string, key: VirtualKey) => Effect.Effect<Routed, GatewayError>
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
      let pickers = new Map([...table].map(([name, route]) => [name, weightedPicker(route)]))
      const keyTurns = new Map<string, number>()

      const allowedBy = (key: VirtualKey, name: string, route: Route) =>
        route.candidates.map((candidate) => key.allows(name) || key.allows(candidate.qualified))

      const providerKey = (candidate: Candidate) => {
        const keys = candidate.provider.keys
        if (keys.length === 0) return undefined
        const turn = keyTurns.get(candidate.provider.name) ?? 0
        keyTurns.set(candidate.provider.name, turn + 1)
        return keys[turn % keys.length]!.key
      }

      const resolve = (requested: string, key: VirtualKey): Effect.Effect<Routed, GatewayError> => {
        const model = prefix !== undefined && requested.startsWith(prefix) ? requested.slice(prefix.length) : requested
        const route = table.get(model)
        if (route === undefined) {
          const listed = [...table].filter(([, r]) => r.listed).map(([name]) => name)
          return Effect.fail(fail(new NoRoute({ model: requested, suggestions: closeMatches(model, listed) })))
        }
        const candidate = pickers.get(model)!(allowedBy(key, model, route))
        if (candidate === undefined) {
          return Effect.fail(fail(new Forbidden({ message: `The key '${key.name}' is not allowed to use the model '${requested}'` })))
        }
        return Effect.succeed({
          model,
          candidate,
          target: { provider: candidate.settings, key: providerKey(candidate), upstreamModel: candidate.upstreamModel }
        })
      }

      const models = (key: VirtualKey) =>
        [...table]
          .filter(([name, route]) => route.listed && allowedBy(key, name, route).some(Boolean))
          .map(([name]) => name)
          .sort()

      const reload = (next: GatewayConfig) => {
        table = routingTable(next)
        pickers = new Map([...table].map(([name, route]) => [name, weightedPicker(route)]))
      }

      return Router.of({ resolve, models, reload })
    })
  )
}
