import type { ObservedLimits } from "./rateLimitHeaders.ts"
import { SlidingWindow } from "./SlidingWindow.ts"

export interface RateLimits {
  readonly rpm?: number
  readonly tpm?: number
  readonly rpd?: number
  /** The most tokens one request may carry. */
  readonly tpr?: number
  readonly concurrency?: number
}

export type Admission =
  | { readonly ok: true }
  | {
      readonly ok: false
      readonly reason: "rpm" | "tpm" | "rpd" | "tpr" | "concurrency" | "cooldown"
      readonly retryAfterMs: number
      /** Requests in flight may free enough when they settle, before `retryAfterMs`. */
      readonly settling?: true
    }

type Refusal = Extract<Admission, { ok: false }>

const admitted: Admission = { ok: true }

const minuteMs = 60_000
const dayMs = 86_400_000

// A reported limit only ever lowers a configured one. It never creates a limit: the upstream's figure is shared
// with every other client of that account, so counting our own traffic against it would refuse too early (its
// `remaining` reaching 0, which `learn` honours, is the authoritative signal).
const lower = (configured: number | undefined, learned: number | undefined): number | undefined =>
  configured === undefined || learned === undefined ? configured : Math.min(configured, learned)

// a NaN or negative token count would corrupt the window totals for good
const tokenCount = (tokens: number): number => (Number.isFinite(tokens) && tokens > 0 ? tokens : 0)

/**
 * The request and token budgets of one upstream key: exact sliding windows for RPM, TPM and RPD, a per request token
 * cap, a concurrency limit and cooldowns. A window exists only under its configured limit (RPM, TPM, RPD): an
 * unlimited key keeps no per-request state at all, which the request path of an unlimited key must not pay for.
 */
export class RateWindows {
  private readonly configured: RateLimits
  private learnedRpm: number | undefined
  private learnedTpm: number | undefined
  private readonly rpm: SlidingWindow | undefined
  private readonly tpm: SlidingWindow | undefined
  private readonly rpd: SlidingWindow | undefined
  private running = 0
  private readonly unlimited: boolean
  private coolingUntil = -Infinity
  private requestsExhaustedUntil = -Infinity
  private tokensExhaustedUntil = -Infinity

  constructor(limits: RateLimits) {
    this.configured = { ...limits }
    this.unlimited = Object.values(limits).every((limit) => limit === undefined)
    this.rpm = limits.rpm === undefined ? undefined : new SlidingWindow(minuteMs, limits.rpm)
    this.tpm = limits.tpm === undefined ? undefined : new SlidingWindow(minuteMs, limits.rpm ?? Infinity)
    this.rpd = limits.rpd === undefined ? undefined : new SlidingWindow(dayMs, limits.rpd)
  }

  /** Whether an upstream's reported limits can change this key's (they only ever lower configured RPM/TPM). */
  learnsLimits(): boolean {
    return this.configured.rpm !== undefined || this.configured.tpm !== undefined
  }

  /** The limits in force: the configured ones, lowered by what the upstream reported. */
  limits(): RateLimits {
    return {
      ...this.configured,
      rpm: lower(this.configured.rpm, this.learnedRpm),
      tpm: lower(this.configured.tpm, this.learnedTpm)
    }
  }

  /**
   * Admits and records a request of `tokens`, or says why not and in how long it would fit, assuming nothing else is
   * admitted meanwhile (the longest of the waits when several limits refuse). Concurrency frees up on `settle`, not
   * with time, so a refusal for it alone waits 0; a TPM refusal that settling requests could lift says so.
   */
  admit(now: number, tokens: number): Admission {
    // An unlimited key that is not cooling down: nothing to check, only the count in flight.
    if (this.unlimited && now >= this.coolingUntil && now >= this.requestsExhaustedUntil && now >= this.tokensExhaustedUntil) {
      this.running++
      return admitted
    }
    const amount = tokenCount(tokens)
    const limits = this.limits()
    if (limits.tpr !== undefined && amount > limits.tpr) return { ok: false, reason: "tpr", retryAfterMs: Infinity }
    const refusal = (reason: Refusal["reason"], retryAfterMs: number): Refusal => ({ ok: false, reason, retryAfterMs })
    const longest = [
      refusal("cooldown", this.coolingUntil - now),
      refusal("rpd", this.rpd?.waitFor(now, 1, limits.rpd ?? Infinity) ?? 0),
      refusal("rpm", Math.max(this.rpm?.waitFor(now, 1, limits.rpm ?? Infinity) ?? 0, this.requestsExhaustedUntil - now)),
      refusal("tpm", Math.max(this.tpm?.waitFor(now, amount, limits.tpm ?? Infinity) ?? 0, this.tokensExhaustedUntil - now))
    ].reduce((a, b) => (b.retryAfterMs > a.retryAfterMs ? b : a))
    if (longest.retryAfterMs > 0) {
      // Tokens that requests in flight hold for their worst case come back when they settle, usually long before
      // the window moves on: like a concurrency refusal, that is worth waiting for.
      const settling = longest.reason === "tpm" && now >= this.tokensExhaustedUntil && this.tpm !== undefined &&
        this.tpm.total(now) - this.tpm.pending(now) + amount <= (limits.tpm ?? Infinity)
      return settling ? { ...longest, settling: true } : longest
    }
    if (limits.concurrency !== undefined && this.running >= limits.concurrency)
      return { ok: false, reason: "concurrency", retryAfterMs: 0 }
    const ceiling = limits.rpm ?? Infinity
    this.running++
    this.rpm?.add(now, 1, ceiling)
    this.tpm?.add(now, amount, ceiling)
    this.rpd?.add(now, 1, limits.rpd ?? Infinity)
    return { ok: true }
  }

  /** Ends an admitted request that reserved `reserved` tokens and used `actual`; its TPM entry is corrected. */
  settle(now: number, reserved: number, actual: number): void {
    this.running = Math.max(0, this.running - 1)
    this.tpm?.settle(now, tokenCount(reserved), tokenCount(actual))
  }

  /** Refuses everything until `now + ms` (a shorter cooldown never cuts a longer one short). */
  cooldown(now: number, ms: number): void {
    this.coolingUntil = Math.max(this.coolingUntil, now + ms)
  }

  /**
   * Adopts what the upstream reported: its RPM/TPM limits (never above the configured ones) and, when it says none
   * remain, a refusal until its reset. `retryAfterMs` is left to the caller's `cooldown`.
   */
  learn(now: number, observed: ObservedLimits): void {
    if (observed.limitRequests !== undefined && observed.limitRequests > 0) this.learnedRpm = observed.limitRequests
    if (observed.limitTokens !== undefined && observed.limitTokens > 0) this.learnedTpm = observed.limitTokens
    if (observed.remainingRequests === 0 && observed.resetRequestsMs !== undefined)
      this.requestsExhaustedUntil = Math.max(this.requestsExhaustedUntil, now + observed.resetRequestsMs)
    if (observed.remainingTokens === 0 && observed.resetTokensMs !== undefined)
      this.tokensExhaustedUntil = Math.max(this.tokensExhaustedUntil, now + observed.resetTokensMs)
  }

  /** When the cooldown, or an exhaustion the upstream reported, ends; undefined when neither is in force. */
  blockedUntil(now: number): number | undefined {
    const until = Math.max(this.coolingUntil, this.requestsExhaustedUntil, this.tokensExhaustedUntil)
    return until > now ? until : undefined
  }

  inFlight(): number {
    return this.running
  }

  /** Totals of the current windows; 0 for a limit that is not configured (no window is kept for it). */
  usage(now: number): { rpm: number; tpm: number; rpd: number } {
    return { rpm: this.rpm?.total(now) ?? 0, tpm: this.tpm?.total(now) ?? 0, rpd: this.rpd?.total(now) ?? 0 }
  }

  /** The smallest remaining fraction of the RPM and TPM limits: 1 when unlimited, 0 while cooling down or exhausted. */
  headroom(now: number): number {
    if (now < this.coolingUntil) return 0
    const limits = this.limits()
    const remaining = (used: number, limit: number | undefined, exhaustedUntil: number): number => {
      if (now < exhaustedUntil) return 0
      if (limit === undefined) return 1
      return limit > 0 ? Math.min(1, Math.max(0, 1 - used / limit)) : 0
    }
    return Math.min(
      remaining(this.rpm?.total(now) ?? 0, limits.rpm, this.requestsExhaustedUntil),
      remaining(this.tpm?.total(now) ?? 0, limits.tpm, this.tokensExhaustedUntil)
    )
  }

  /** Entry slots held by the largest window: the memory bound, at most the limit (or 16) for a limited window. */
  size(): number {
    return Math.max(this.rpm?.capacity ?? 0, this.tpm?.capacity ?? 0, this.rpd?.capacity ?? 0)
  }
}
