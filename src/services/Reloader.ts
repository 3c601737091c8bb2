import { Context, Effect, Layer } from "effect"
import { AppConfig, type ConfigError, type GatewayConfig, loadConfig } from "../Config.ts"
import { configureLogging, log } from "../logging/log.ts"
import { KeyStore } from "./KeyStore.ts"
import { Pricing } from "./Pricing.ts"
import { ProviderPool } from "./ProviderPool.ts"
import { Router } from "./Router.ts"

export interface ConfigVersion {
  readonly version: string
  readonly loadedAt: string
}

/** Where the config comes from, to read it again. */
export interface ConfigSource {
  readonly path: string | undefined
  readonly env: Readonly<Record<string, string | undefined>>
}

/** Settings a running server cannot change: a reload that changes them warns that they wait for a restart. */
const restartOnly = (current: GatewayConfig, next: GatewayConfig): ReadonlyArray<string> => {
  const server = (config: GatewayConfig) => {
    const { adminKey: _admin, ...rest } = config.server
    return JSON.stringify(rest)
  }
  return [
    ...(server(current) !== server(next) ? ["server"] : []),
    ...(current.database.url !== next.database.url ? ["database"] : []),
    ...(JSON.stringify(current.ledger) !== JSON.stringify(next.ledger) ? ["ledger"] : []),
    ...(JSON.stringify(current.resilience) !== JSON.stringify(next.resilience) ? ["resilience"] : [])
  ]
}

/**
 * Reads the config again and swaps it in whole: keys, routing table, prices and logging change in one
 * synchronous step, so a request sees either the old config or the new one, and requests already routed finish
 * on their old targets. An invalid config is refused with every problem listed, and the old one keeps serving.
 */
export class Reloader extends Context.Service<Reloader, {
  readonly version: () => ConfigVersion
  /** `changed` is false when the sources are unchanged (same version). */
  readonly reload: (trigger: string) => Effect.Effect<ConfigVersion & { readonly changed: boolean }, ConfigError>
}>()("sluice/services/Reloader") {
  static readonly layer = (source: ConfigSource) =>
    Layer.effect(
      Reloader,
      Effect.gen(function*() {
        const router = yield* Router
        const keys = yield* KeyStore
        const pricing = yield* Pricing
        const pool = yield* ProviderPool
        let current = yield* AppConfig
        let loadedAt = new Date().toISOString()
        configureLogging(current.logging)

        const version = (): ConfigVersion => ({ version: current.version, loadedAt })

        const apply = (next: GatewayConfig, trigger: string) => {
          const pending = restartOnly(current, next)
          const applied = { ...next, server: current.server, database: current.database, ledger: current.ledger, resilience: current.resilience }
          router.reload(applied)
          keys.reload(applied)
          pricing.reload(applied)
          pool.reload(applied)
          configureLogging(applied.logging)
          current = applied
          loadedAt = new Date().toISOString()
          log("info", "config reloaded", { trigger, version: next.version })
          if (pending.length > 0) log("warn", "some settings take effect only after a restart", { sections: pending })
        }

        const reload = (trigger: string) =>
          loadConfig(source).pipe(
            Effect.tapError((error) =>
              Effect.sync(() => log("error", "config reload refused: the old config keeps serving", { trigger, problems: error.problems }))
            ),
            Effect.map((next) => {
              const changed = next.version !== current.version
              if (changed) apply(next, trigger)
              return { ...version(), changed }
            })
          )

        return Reloader.of({ version, reload })
      })
    )
}
