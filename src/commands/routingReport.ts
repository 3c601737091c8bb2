import type { GatewayConfig } from "../Config.ts"
import { routingTable } from "../domain/routingTable.ts"

/** What `sluice config check` prints: providers, the routing table and the virtual keys, with no secret in it. */
export const routingReport = (config: GatewayConfig): string => {
  const lines = [`Configuration is valid. Listening on ${config.server.host}:${config.server.port}, database ${config.database.url}.`, "", "Providers:"]
  for (const provider of config.providers) {
    const keys = provider.keys.length === 0 ? "no key" : `${provider.keys.length} key(s) (redacted)`
    const base = provider.baseUrl ?? "(type default)"
    lines.push(`  ${provider.name}  type=${provider.type}  base_url=${base}  weight=${provider.weight}  ${keys}`)
  }
  lines.push("", "Routes (public model -> provider/upstream model):")
  for (const [model, route] of routingTable(config)) {
    if (!route.listed) continue
    const targets = route.candidates.map((c) => `${c.provider.name}/${c.upstreamModel} (weight ${c.provider.weight})`)
    lines.push(`  ${model} -> ${targets.join(", ")}`)
  }
  if (config.server.modelPrefix !== undefined) lines.push(`  (prefix '${config.server.modelPrefix}/' is stripped from requested models)`)
  lines.push("", "Virtual keys:")
  if (config.keys.length === 0) lines.push("  (none)")
  for (const key of config.keys) lines.push(`  ${key.name}  models=${key.models.join(",")}  secret=(redacted)`)
  return lines.join("\n")
}
