import { Clock, Context, Effect, Layer } from "effect"
import { fail, type GatewayError, RateLimited } from "../domain/GatewayError.ts"
import { resetDuration } from "../domain/limits/resetDuration.ts"
import { TokenBucket } from "../domain/limits/TokenBucket.ts"
import { SlidingWindow } from "../domain/pool/SlidingWindow.ts"
import type { KeyLimits, VirtualKey } from "../domain/VirtualKey.ts"

const minuteMs = 60_000

/** An admitted request's place in its key's limits, until it settles. */
export interface KeyTicket {
  /** The key's `x-ratelimit-*` headers after this request was admitted; empty for a key without limits. */
  readonly headers: Readonly<Record<string, string>>
  /** Corrects the tokens counted on admission to `tokens` and frees its concurrency slot. Idempotent. */
  readonly settle: (tokens: number) => void
}

interface KeyState {
  readonly signature: string
  /** The key's limits object last seen: while a key keeps it, nothing is compared. */
  limits: KeyLimits
  readonly rpm: SlidingWindow | undefined
  readonly tpm: SlidingWindow | undefined
  readonly bucket: TokenBucket | undefined
  inFlight: number
}

const unlimited: KeyTicket = { headers: {}, settle: () => {} }

const hasLimits = (limits: KeyLimits) =>
  limits.rpm !== undefined || limits.tpm !== undefined || limits.rps !== undefined || limits.burst !== undefined ||
  limits.concurrency !== undefined

const stateOf = (limits: KeyLimits, now: number): KeyState => ({
  signature: JSON.stringify(limits),
  limits,
  rpm: limits.rpm === undefined ? undefined : new SlidingWindow(minuteMs, limits.rpm),
  tpm: limits.tpm === undefined ? undefined : new SlidingWindow(minuteMs, limits.rpm ?? Infinity),
  bucket: limits.rps === undefined && limits.burst === undefined
    ? undefined
    : new TokenBucket(limits.rps ?? 0, limits.burst ?? Math.max(1, Math.ceil(limits.rps ?? 0)), now),
  inFlight: 0
})

/** Ms until every entry has left a one-minute window (OpenAI: until the limit "resets to its initial state"). */
const windowResetMs = (window: SlidingWindow, now: number, limit: number) => {
  const wait = window.waitFor(now, limit, limit)
  return Number.isFinite(wait) ? wait : minuteMs
}

/** OpenAI's rate-limit headers, for requests (RPM, else the rps bucket) and tokens (TPM). */
const headersOf = (state: KeyState, now: number): Record<string, string> => {
  const headers: Record<string, string> = {}
  const { rpm, tpm } = state.limits
  if (rpm !== undefined && state.rpm !== undefined) {
    headers["x-ratelimit-limit-requests"] = String(rpm)
    headers["x-ratelimit-remaining-requests"] = String(Math.max(0, rpm - state.rpm.total(now)))
    headers["x-ratelimit-reset-requests"] = resetDuration(windowResetMs(state.rpm, now, rpm))
  } else if (state.bucket !== undefined) {
    headers["x-ratelimit-limit-requests"] = String(state.bucket.burst)
    headers["x-ratelimit-remaining-requests"] = String(state.bucket.remaining(now))
    headers["x-ratelimit-reset-requests"] = resetDuration(state.bucket.resetMs(now))
  }
  if (tpm !== undefined && state.tpm !== undefined) {
    headers["x-ratelimit-limit-tokens"] = String(tpm)
    headers["x-ratelimit-remaining-tokens"] = String(Math.max(0, Math.floor(tpm - state.tpm.total(now))))
    headers["x-ratelimit-reset-tokens"] = resetDuration(windowResetMs(state.tpm, now, tpm))
  }
  return headers
}

const refused = (state: KeyState, now: number, key: VirtualKey, what: string, waitMs: number): GatewayError =>
  fail(new RateLimited({
    message: `Rate limit reached for key '${key.name}': ${what}. Try again ${Number.isFinite(waitMs) ? `in ${resetDuration(waitMs)}` : "after the key's limits are raised"}.`,
    code: "rate_limit_exceeded",
    retryAfterMs: Number.isFinite(waitMs) ? Math.max(1000, waitMs) : null,
    headers: headersOf(state, now)
  }))

/**
 * A virtual key's own rate limits: requests and tokens per minute (exact sliding windows; tokens counted on
 * admission with the request's worst case and corrected when it settles), requests per second with a burst (a
 * token bucket) and concurrent requests. A key without limits costs nothing here. Time comes from Effect's Clock.
 */
export class RateLimiter extends Context.Service<RateLimiter, {
  readonly admit: (key: VirtualKey, tokens: number) => Effect.Effect<KeyTicket, GatewayError>
}>()("sluice/services/RateLimiter") {
  static readonly layer = Layer.effect(RateLimiter, Effect.gen(function*() {
    const clock = yield* Clock.Clock
    const byKey = new Map<string, KeyState>()

    const admitAt = (key: VirtualKey, tokens: number, now: number): Effect.Effect<KeyTicket, GatewayError> => {
      let state = byKey.get(key.id)
      if (state === undefined || (state.limits !== key.limits && state.signature !== JSON.stringify(key.limits))) {
        state = stateOf(key.limits, now)
        byKey.set(key.id, state)
      }
      // A reload or an update that kept the same limits keeps the windows and the requests in flight.
      state.limits = key.limits
      const { rpm, tpm, concurrency } = key.limits
      if (concurrency !== undefined && state.inFlight >= concurrency) {
        return Effect.fail(refused(state, now, key, `${concurrency} concurrent requests`, 1000))
      }
      if (rpm !== undefined && state.rpm !== undefined) {
        const wait = state.rpm.waitFor(now, 1, rpm)
        if (wait > 0) return Effect.fail(refused(state, now, key, `${rpm} requests per minute`, wait))
      }
      if (tpm !== undefined && state.tpm !== undefined) {
        const wait = state.tpm.waitFor(now, tokens, tpm)
        if (wait > 0) {
          const what = tokens > tpm ? `this request may use ${tokens} tokens, more than the key's ${tpm} per minute` : `${tpm} tokens per minute`
          return Effect.fail(refused(state, now, key, what, wait))
        }
      }
      // Taken last: a refusal by another limit must not use up the bucket.
      const bucketWait = state.bucket?.take(now) ?? 0
      if (bucketWait > 0) {
        return Effect.fail(refused(state, now, key, `${key.limits.rps ?? 0} requests per second (burst ${state.bucket?.burst ?? 0})`, bucketWait))
      }
      state.rpm?.add(now, 1, rpm ?? 0)
      state.tpm?.add(now, tokens, rpm ?? Infinity)
      state.inFlight++
      const admitted = state
      const headers = headersOf(admitted, now)
      let settled = false
      return Effect.succeed({
        headers,
        settle: (actual) => {
          if (settled) return
          settled = true
          admitted.inFlight--
          admitted.tpm?.settle(clock.currentTimeMillisUnsafe(), tokens, Math.max(0, actual))
        }
      })
    }

    return RateLimiter.of({
      admit: (key, tokens) => hasLimits(key.limits) ? admitAt(key, tokens, clock.currentTimeMillisUnsafe()) : Effect.succeed(unlimited)
    })
  }))
}
