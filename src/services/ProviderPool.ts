import { Context, Effect, Layer } from "effect"
import { AppConfig, type GatewayConfig, type LimitsConfig, type ProviderConfig, type Strategy } from "../Config.ts"
import type { Reason } from "../domain/GatewayError.ts"
import type { HeaderReader } from "../domain/HeaderReader.ts"
import { CircuitBreaker, type CircuitState } from "../domain/pool/CircuitBreaker.ts"
import { Ewma } from "../domain/pool/Ewma.ts"
import { makePicker } from "../domain/pool/makePicker.ts"
import { RateWindows } from "../domain/pool/RateWindows.ts"
import { rateLimitHeaders, reportsExhaustion } from "../domain/pool/rateLimitHeaders.ts"
import type { Picker, TargetView } from "../domain/pool/strategies/Picker.ts"
import type { Candidate } from "../domain/routingTable.ts"
import type { Target } from "../providers/Provider.ts"

/** One upstream key of a candidate: what an attempt is sent to. */
export interface PoolTarget {
  readonly candidate: Candidate
  readonly target: Target
  /** `provider#1`, `provider#2`…, or `provider#-` for a provider without keys. */
  readonly id: string
  /** `#1`, `#2`… or `-`: how metrics and health name the key (never by value). */
  readonly keyLabel: string
  /** Its position among the provider's keys; undefined for a provider without keys. */
  readonly keyIndex: number | undefined
}

/** A target's capacity, held for one attempt until it settles. */
export interface Lease {
  readonly pooled: PoolTarget
  /** The attempt got an answer: its latency (to the response headers) and the upstream's rate-limit headers. */
  readonly answered: (latencyMs: number, headers: HeaderReader) => void
  /** The attempt failed before any answer reached the client. */
  readonly failed: (reason: Reason, headers: HeaderReader | undefined) => void
  /** The answer ended (stream end or body read): frees the capacity and corrects the token count. */
  readonly released: (outcome: {
    /** The request's final status: a 5xx counts against the target, a client that left (499) or a 4xx does not. */
    readonly status: number
    readonly tokens: number | undefined
    readonly ttftMs: number | undefined
  }) => void
}

export type Acquired =
  | { readonly lease: Lease }
  /** Nothing can take the request now; capacity comes back in `waitMs` (Infinity: not on its own). */
  | { readonly waitMs: number }

interface KeyState {
  readonly limits: LimitsConfig
  readonly windows: RateWindows
  readonly breaker: CircuitBreaker
  readonly latency: Ewma
  readonly ttft: Ewma
  readonly errors: Array<{ readonly at: string; readonly message: string }>
}

export interface KeyHealth {
  readonly key: string
  readonly state: "ok" | "cooling" | CircuitState | "disabled"
  readonly cooling_until: string | null
  readonly in_flight: number
  readonly usage: { readonly rpm: number; readonly tpm: number; readonly rpd: number }
  readonly limits: LimitsConfig
  readonly circuit_open_until: string | null
  readonly latency_ms: number | null
  readonly ttft_ms: number | null
  readonly recent_errors: ReadonlyArray<{ readonly at: string; readonly message: string }>
}

export interface ProviderHealth {
  readonly name: string
  readonly type: string
  readonly disabled: boolean
  readonly keys: ReadonlyArray<KeyHealth>
}

const recentErrors = 5

/** A provider's keys by position, or one keyless target. */
const keyIndexes = (provider: ProviderConfig): ReadonlyArray<number | undefined> =>
  provider.keys.length === 0 ? [undefined] : provider.keys.map((_key, i) => i)

const noteErrorOf = (state: KeyState, message: string) => {
  state.errors.push({ at: new Date().toISOString(), message: message.slice(0, 300) })
  if (state.errors.length > recentErrors) state.errors.shift()
}

const keyLabel = (keyIndex: number | undefined) => keyIndex === undefined ? "-" : `#${keyIndex + 1}`
const keyId = (provider: string, keyIndex: number | undefined) => `${provider}${keyIndex === undefined ? "#-" : keyLabel(keyIndex)}`

/**
 * A provider's weight shared among its keys, so that providers keep their configured shares whatever their key
 * counts. Scaled by 720720 (divisible by 1…16) so that shares stay whole numbers: round robin on fractions like 1/3
 * drifts with rounding.
 */
const keyWeight = (providerWeight: number, keys: number) => (providerWeight * 720720) / Math.max(1, keys)

/**
 * The state of every upstream key: limits (sliding windows, concurrency, cooldowns), a circuit breaker, EWMA
 * latency and time to first token. Picks the target of each attempt with the model's strategy among the keys
 * that are enabled, closed (or probing) and within their limits. Pure bookkeeping over the domain state machines:
 * no waiting and no I/O here (the Gateway waits, the Upstream sends).
 */
export class ProviderPool extends Context.Service<ProviderPool, {
  /**
   * A lease on the best target among `candidates` for a request of about `tokens` tokens, skipping `excluded` ids;
   * with `prefer`, that provider's other keys go first (a failed key's siblings before other providers).
   */
  readonly acquire: (
    model: string,
    strategy: Strategy,
    candidates: ReadonlyArray<Candidate>,
    options: { readonly tokens: number; readonly excluded: ReadonlySet<string>; readonly prefer: string | undefined }
  ) => Acquired
  readonly health: () => ReadonlyArray<ProviderHealth>
  /** Turns a provider (every key) or one of its keys (1-based) off or on, until the next restart. */
  readonly setDisabled: (provider: string, key: number | undefined, disabled: boolean) => boolean
  /** An active probe's outcome for one key of a provider (`keyIndex` from 0): closes or opens its circuit. */
  readonly probed: (provider: ProviderConfig, keyIndex: number | undefined, failure: string | undefined) => void
  /** The providers of the current config. */
  readonly providers: () => ReadonlyArray<ProviderConfig>
  readonly reload: (config: GatewayConfig) => void
}>()("sluice/services/ProviderPool") {
  static readonly layer = Layer.effect(
    ProviderPool,
    Effect.gen(function*() {
      let config = yield* AppConfig
      const states = new Map<string, KeyState>()
      const pickers = new Map<string, Picker>()
      const targetsOf = new WeakMap<Candidate, ReadonlyArray<PoolTarget>>()
      /** Switched off through the admin API: provider names, and `provider#n` key ids. */
      const switchedOff = new Set<string>()

      const pooledTargets = (candidate: Candidate): ReadonlyArray<PoolTarget> => {
        let targets = targetsOf.get(candidate)
        if (targets === undefined) {
          targets = keyIndexes(candidate.provider).map((keyIndex) => ({
            candidate,
            id: keyId(candidate.provider.name, keyIndex),
            keyLabel: keyLabel(keyIndex),
            keyIndex,
            target: {
              provider: candidate.settings,
              key: keyIndex === undefined ? undefined : candidate.provider.keys[keyIndex]!.key,
              upstreamModel: candidate.upstreamModel
            }
          }))
          targetsOf.set(candidate, targets)
        }
        return targets
      }

      const keyOf = (pooled: PoolTarget) =>
        pooled.keyIndex === undefined ? undefined : pooled.candidate.provider.keys[pooled.keyIndex]

      const limitsOf = (pooled: PoolTarget): LimitsConfig => keyOf(pooled)?.limits ?? {}

      const stateOf = (pooled: PoolTarget): KeyState => stateFor(pooled.id, limitsOf(pooled))

      const stateFor = (id: string, limits: LimitsConfig): KeyState => {
        let state = states.get(id)
        // Limits changed by a reload start from fresh windows; the breaker and latencies carry on.
        if (state === undefined || (state.limits !== limits && JSON.stringify(state.limits) !== JSON.stringify(limits))) {
          state = {
            limits,
            windows: new RateWindows(limits),
            breaker: state?.breaker ?? new CircuitBreaker(config.resilience.circuit),
            latency: state?.latency ?? new Ewma(),
            ttft: state?.ttft ?? new Ewma(),
            errors: state?.errors ?? []
          }
          states.set(id, state)
        }
        return state
      }

      const switchedOffKey = (provider: ProviderConfig, keyIndex: number | undefined) =>
        provider.disabled || switchedOff.has(provider.name) || switchedOff.has(keyId(provider.name, keyIndex)) ||
        (keyIndex !== undefined && provider.keys[keyIndex]?.disabled === true)

      const disabled = (pooled: PoolTarget) => switchedOffKey(pooled.candidate.provider, pooled.keyIndex)

      const pickerFor = (model: string, strategy: Strategy) => {
        const name = `${model}\u0000${strategy}`
        let picker = pickers.get(name)
        if (picker === undefined) pickers.set(name, picker = makePicker(strategy))
        return picker
      }

      const lease = (pooled: PoolTarget, state: KeyState, tokens: number): Lease => {
        let open = true
        const noteError = (message: string) => noteErrorOf(state, message)
        const learn = (headers: HeaderReader | undefined) => {
          if (headers !== undefined) state.windows.learn(Date.now(), rateLimitHeaders(headers, Date.now()))
        }
        return {
          pooled,
          answered: (latencyMs, headers) => {
            state.latency.add(latencyMs)
            // Most answers say nothing the key's windows use: skip parsing them (every request pays for this).
            if (state.windows.learnsLimits() || reportsExhaustion(headers)) learn(headers)
          },
          failed: (reason, headers) => {
            if (!open) return
            open = false
            const now = Date.now()
            state.windows.settle(now, tokens, 0)
            learn(headers)
            noteError(reason.message)
            if (reason._tag === "UpstreamRateLimited") state.windows.cooldown(now, reason.retryAfterMs ?? config.resilience.backoffMs)
            // Only the upstream's own failures count against its circuit: not a client that left, not a bad request.
            if (reason.retryable && reason._tag !== "UpstreamRateLimited") state.breaker.failure(now)
            else if (reason._tag === "UpstreamRejected") state.breaker.success(now)
          },
          released: ({ status, tokens: actual, ttftMs }) => {
            if (!open) return
            open = false
            const now = Date.now()
            state.windows.settle(now, tokens, actual ?? tokens)
            if (ttftMs !== undefined) state.ttft.add(ttftMs)
            if (status < 400) state.breaker.success(now)
            else if (status >= 500) {
              state.breaker.failure(now)
              noteError(`the response broke off (${status})`)
            }
          }
        }
      }

      const acquire: ProviderPool["Service"]["acquire"] = (model, strategy, candidates, { tokens, excluded, prefer }) => {
        const now = Date.now()
        const single = candidates.length === 1 ? pooledTargets(candidates[0]!) : undefined
        // One target (the common case): nothing to balance, only its state to check.
        if (single?.length === 1 && !disabled(single[0]!) && !excluded.has(single[0]!.id)) {
          const state = stateOf(single[0]!)
          if (state.breaker.allow(now)) {
            const admission = state.windows.admit(now, tokens)
            if (admission.ok) return { lease: lease(single[0]!, state, tokens) }
            return { waitMs: admission.settling ? 0 : admission.retryAfterMs }
          }
        }
        const pooled = candidates.flatMap(pooledTargets)
        const views: Array<TargetView> = pooled.map((p) => {
          const state = stateOf(p)
          return {
            weight: keyWeight(p.candidate.provider.weight, p.candidate.provider.keys.length),
            inFlight: state.windows.inFlight(),
            concurrency: limitsOf(p).concurrency,
            latencyMs: state.latency.value(),
            headroom: state.windows.headroom(now)
          }
        })
        const usable = pooled.map((p) => !disabled(p) && !excluded.has(p.id) && stateOf(p).breaker.state(now) !== "open")
        let waitMs = Infinity
        const preferred = prefer === undefined ? undefined : usable.map((ok, i) => ok && pooled[i]!.candidate.provider.name === prefer)
        const picker = pickerFor(model, strategy)
        for (const available of [preferred, usable]) {
          if (available === undefined) continue
          for (;;) {
            const index = picker.pick(views, available)
            if (index === undefined) break
            const chosen = pooled[index]!
            const state = stateOf(chosen)
            available[index] = false
            if (!state.breaker.allow(now)) {
              // A half-open circuit whose one probe is out: it comes back with the probe's outcome.
              waitMs = Math.min(waitMs, 50)
              continue
            }
            const admission = state.windows.admit(now, tokens)
            if (admission.ok) return { lease: lease(chosen, state, tokens) }
            waitMs = Math.min(waitMs, admission.settling ? 0 : admission.retryAfterMs)
          }
        }
        for (const [i, p] of pooled.entries()) {
          if (usable[i] || disabled(p) || excluded.has(p.id)) continue
          const until = stateOf(p).breaker.openedUntil(now)
          if (until !== undefined) waitMs = Math.min(waitMs, until - now)
        }
        return { waitMs }
      }

      const health = (): ReadonlyArray<ProviderHealth> => {
        const now = Date.now()
        return config.providers.map((provider) => {
          return {
            name: provider.name,
            type: provider.type,
            disabled: provider.disabled || switchedOff.has(provider.name),
            keys: keyIndexes(provider).map((keyIndex): KeyHealth => {
              const state = states.get(keyId(provider.name, keyIndex))
              const limits = keyIndex === undefined ? {} : provider.keys[keyIndex]!.limits
              const off = switchedOffKey(provider, keyIndex)
              const circuit = state?.breaker.state(now) ?? "closed"
              const blocked = state?.windows.blockedUntil(now)
              return {
                key: keyLabel(keyIndex),
                state: off ? "disabled" : circuit !== "closed" ? circuit : blocked !== undefined ? "cooling" : "ok",
                cooling_until: blocked === undefined ? null : new Date(blocked).toISOString(),
                in_flight: state?.windows.inFlight() ?? 0,
                usage: state?.windows.usage(now) ?? { rpm: 0, tpm: 0, rpd: 0 },
                limits,
                circuit_open_until: state?.breaker.openedUntil(now) === undefined ? null : new Date(state.breaker.openedUntil(now)!).toISOString(),
                latency_ms: state?.latency.value() ?? null,
                ttft_ms: state?.ttft.value() ?? null,
                recent_errors: state?.errors ?? []
              }
            })
          }
        })
      }

      return ProviderPool.of({
        acquire,
        health,
        setDisabled: (provider, key, off) => {
          const known = config.providers.find((p) => p.name === provider)
          if (known === undefined || (key !== undefined && (key < 1 || key > known.keys.length))) return false
          const id = key === undefined ? provider : keyId(provider, key - 1)
          if (off) switchedOff.add(id)
          else switchedOff.delete(id)
          return true
        },
        probed: (provider, keyIndex, failure) => {
          const state = stateFor(keyId(provider.name, keyIndex), keyIndex === undefined ? {} : provider.keys[keyIndex]?.limits ?? {})
          state.breaker.probed(Date.now(), failure === undefined)
          if (failure !== undefined) noteErrorOf(state, `probe: ${failure}`)
        },
        providers: () => config.providers,
        reload: (next) => {
          config = next
          pickers.clear()
        }
      })
    })
  )
}
