import { Context, Effect, Layer } from "effect"
import type { ProviderConfig } from "../Config.ts"
import { settingsOf } from "../domain/routingTable.ts"
import { providers } from "../providers/index.ts"
import { ProviderPool } from "./ProviderPool.ts"
import { Upstream } from "./Upstream.ts"

/** The longest the loop sleeps: how soon probes added by a reload start. */
const idleMs = 1000

/**
 * Active health probes: every provider with `probe` set has its models list asked for, with each of its keys, every
 * `probe.interval_ms`. A success closes the key's circuit at once (no client request has to be the half-open
 * trial); a failure counts against it like a failed request. Follows reloads: the pool's current providers are
 * read on every tick.
 */
export class Prober extends Context.Service<Prober, {
  /** Probes every enabled key of one provider now and waits for the outcomes. */
  readonly probe: (provider: ProviderConfig) => Effect.Effect<void>
}>()("sluice/services/Prober") {
  static readonly layer = Layer.effect(
    Prober,
    Effect.gen(function*() {
      const pool = yield* ProviderPool
      const upstream = yield* Upstream
      const dueAt = new Map<string, number>()

      const probeKey = (provider: ProviderConfig, keyIndex: number | undefined, timeoutMs: number) => {
        const adapter = providers[provider.type]
        const settings = settingsOf(provider)
        const candidate = { provider: { ...provider, timeoutMs }, adapter, settings, upstreamModel: "", qualified: "" }
        const request = adapter.toRequest({
          endpoint: "models",
          body: undefined,
          stream: false,
          target: { provider: settings, key: keyIndex === undefined ? undefined : provider.keys[keyIndex]!.key, upstreamModel: "" },
          clientHeaders: new Headers()
        })
        return upstream.read(candidate, request, AbortSignal.timeout(timeoutMs)).pipe(
          Effect.match({
            onSuccess: () => pool.probed(provider, keyIndex, undefined),
            onFailure: (error) => pool.probed(provider, keyIndex, error.message)
          })
        )
      }

      const probe = (provider: ProviderConfig) => {
        const keys = provider.keys.length === 0 ? [undefined] : provider.keys.map((_, index) => index)
        const enabled = keys.filter((keyIndex) => keyIndex === undefined || !provider.keys[keyIndex]!.disabled)
        const timeoutMs = provider.probe?.timeoutMs ?? 5000
        return Effect.forEach(enabled, (keyIndex) => probeKey(provider, keyIndex, timeoutMs), { concurrency: "unbounded", discard: true })
      }

      // Each provider's probes run in their own fiber, so a slow upstream never delays another's. The loop then
      // sleeps until the next one is due.
      const tick = Effect.suspend(() => {
        const now = Date.now()
        let next = now + idleMs
        const due: Array<ProviderConfig> = []
        for (const provider of pool.providers()) {
          if (provider.probe === undefined || provider.disabled) continue
          let at = dueAt.get(provider.name) ?? now
          if (at <= now) {
            due.push(provider)
            dueAt.set(provider.name, at = now + provider.probe.intervalMs)
          }
          next = Math.min(next, at)
        }
        return Effect.forEach(due, (provider) => Effect.forkScoped(probe(provider)), { discard: true }).pipe(
          Effect.andThen(Effect.sleep(Math.max(1, next - now)))
        )
      })

      yield* tick.pipe(Effect.forever, Effect.forkScoped)
      return Prober.of({ probe })
    })
  )
}
