import type { GatewayConfig, ProviderConfig } from "../Config.ts"
import { providers } from "../providers/index.ts"
import type { Provider, ProviderSettings } from "../providers/Provider.ts"

/** One provider that can serve a public model, under the name the upstream knows it by. */
export interface Candidate {
  readonly provider: ProviderConfig
  readonly adapter: Provider
  readonly settings: ProviderSettings
  readonly upstreamModel: string
  /** `provider/model`, the name a key's model globs may also match. */
  readonly qualified: string
}

export interface Route {
  readonly candidates: ReadonlyArray<Candidate>
  /** Whether this name is an alias or a bare model, as opposed to a `provider/model` name. */
  readonly listed: boolean
}

/** What an adapter needs to know of a provider to build its requests. */
export const settingsOf = (provider: ProviderConfig): ProviderSettings => ({
  name: provider.name,
  type: provider.type,
  baseUrl: provider.baseUrl ?? providers[provider.type].defaultBaseUrl,
  headers: provider.headers,
  apiVersion: provider.apiVersion
})

const candidatesOf = (provider: ProviderConfig): Array<Candidate> => {
  const adapter = providers[provider.type]
  const settings = settingsOf(provider)
  return provider.models.map((model) => ({
    provider,
    adapter,
    settings,
    upstreamModel: provider.modelMap[model] ?? model,
    qualified: `${provider.name}/${model}`
  }))
}

/**
 * Public model name → the candidates serving it: every bare model of every provider, every `provider/model`,
 * and every alias (its targets' candidates, without duplicates).
 */
export const routingTable = (config: GatewayConfig): ReadonlyMap<string, Route> => {
  const table = new Map<string, { candidates: Array<Candidate>; listed: boolean }>()
  const add = (name: string, candidate: Candidate, listed: boolean) => {
    const route = table.get(name) ?? { candidates: [], listed }
    route.listed ||= listed
    if (!route.candidates.includes(candidate)) route.candidates.push(candidate)
    table.set(name, route)
  }
  for (const provider of config.providers) {
    for (const candidate of candidatesOf(provider)) {
      add(candidate.qualified.slice(provider.name.length + 1), candidate, true)
      add(candidate.qualified, candidate, false)
    }
  }
  const resolveAlias = (name: string, seen: Set<string>): Array<Candidate> => {
    const alias = config.models[name]
    if (alias?.targets === undefined || seen.has(name)) return [...(table.get(name)?.candidates ?? [])]
    seen.add(name)
    return alias.targets.flatMap((target) => resolveAlias(target, seen))
  }
  for (const name of Object.keys(config.models)) {
    for (const candidate of resolveAlias(name, new Set())) add(name, candidate, true)
  }
  return table
}
