import { Context, Effect, Layer, Result, Semaphore } from "effect"
import { applyEdit, type CatalogEdit, type CatalogEntry } from "../config/CatalogEntry.ts"
import { AppConfig, ConfigError, type GatewayConfig, loadConfig } from "../Config.ts"
import type { DatabaseError } from "../db/Database.ts"
import { configureLogging, log } from "../logging/log.ts"
import { Catalog } from "./Catalog.ts"
import { KeyStore } from "./KeyStore.ts"
import { Pricing } from "./Pricing.ts"
import { ProviderPool } from "./ProviderPool.ts"
import { Router } from "./Router.ts"

export interface ConfigVersion {
  readonly version: string
  readonly loadedAt: string
}

export interface ReloadResult extends ConfigVersion {
  /** False when the sources are unchanged (same version). */
  readonly changed: boolean
}

/** Where the config comes from, to read it again. */
export interface ConfigSource {
  readonly path: string | undefined
  readonly env: Readonly<Record<string, string | undefined>>
}

/** The config serving now, and the catalog entries (admin API) merged into it. */
export interface Serving {
  readonly config: GatewayConfig
  readonly catalog: ReadonlyArray<CatalogEntry>
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
 * Reads the config (file, .env and the catalog in the database) again and swaps it in whole: keys, routing table,
 * prices and logging change in one synchronous step, so a request sees either the old config or the new one, and
 * requests already routed finish on their old targets. An invalid config is refused with every problem listed,
 * and the old one keeps serving. Reloads and catalog changes run one at a time.
 */
export class Reloader extends Context.Service<Reloader, {
  readonly version: () => ConfigVersion
  readonly serving: () => Serving
  readonly reload: (trigger: string) => Effect.Effect<ReloadResult, ConfigError>
  /**
   * A catalog change, applied as a reload: `plan` sees what is serving and the catalog as stored (no other reload
   * or change runs until this one ends) and returns the edit, or refuses with E. The config with the edit is
   * validated first; only a valid one is written to the database and then swapped in, so an invalid change is
   * never stored and the old config keeps serving.
   */
  readonly change: <E>(
    trigger: string,
    plan: (serving: Serving) => Result.Result<CatalogEdit, E>
  ) => Effect.Effect<ReloadResult, E | ConfigError | DatabaseError>
}>()("sluice/services/Reloader") {
  static readonly layer = (source: ConfigSource) =>
    Layer.effect(
      Reloader,
      Effect.gen(function*() {
        const router = yield* Router
        const keys = yield* KeyStore
        const pricing = yield* Pricing
        const pool = yield* ProviderPool
        const catalog = yield* Catalog
        const lock = yield* Semaphore.make(1)
        // Start-up loaded the config with the catalog read straight from the database file (see loadConfig).
        let current = yield* AppConfig
        let entries = yield* catalog.overlay()
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

        const load = (withEntries: ReadonlyArray<CatalogEntry>, trigger: string, refused: { level: "warn" | "error"; msg: string }) =>
          loadConfig({ ...source, catalog: withEntries }).pipe(
            Effect.tapError((error) => Effect.sync(() => log(refused.level, refused.msg, { trigger, problems: error.problems })))
          )

        const swap = (next: GatewayConfig, nextEntries: ReadonlyArray<CatalogEntry>, trigger: string): ReloadResult => {
          const changed = next.version !== current.version
          if (changed) apply(next, trigger)
          entries = nextEntries
          return { ...version(), changed }
        }

        const stored = catalog.overlay().pipe(
          Effect.mapError((error) =>
            new ConfigError({ problems: [{ path: "catalog", message: `cannot read: ${error.message}`, origin: "database" }] })
          )
        )

        const reload = (trigger: string) =>
          lock.withPermit(Effect.gen(function*() {
            const now = yield* stored
            const config = yield* load(now, trigger, { level: "error", msg: "config reload refused: the old config keeps serving" })
            return swap(config, now, trigger)
          }))

        const change = <E>(trigger: string, plan: (serving: Serving) => Result.Result<CatalogEdit, E>) =>
          lock.withPermit(Effect.gen(function*() {
            const now = yield* catalog.overlay()
            const edit = yield* Effect.fromResult(plan({ config: current, catalog: now }))
            const next = applyEdit(now, edit)
            // The caller hears why; for the log it is a refused request, not a broken config.
            const config = yield* load(next, trigger, { level: "warn", msg: "catalog change refused: the old config keeps serving" })
            yield* edit.body === null ? catalog.remove(edit.kind, edit.name) : catalog.put(edit.kind, edit.name, edit.body)
            return swap(config, next, trigger)
          }))

        return Reloader.of({ version, serving: () => ({ config: current, catalog: entries }), reload, change })
      })
    )
}
