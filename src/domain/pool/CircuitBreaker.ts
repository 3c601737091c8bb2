import { Ring } from "./Ring.ts"

export type CircuitState = "closed" | "open" | "half-open"

export interface CircuitOptions {
  /** Opens after this many failures in a row. */
  readonly consecutiveFailures: number
  /** Opens when the failed fraction over `windowMs` reaches this, once `minRequests` outcomes were seen there. */
  readonly errorRate: number
  readonly minRequests: number
  readonly windowMs: number
  /** How long it stays open before letting a probe through. */
  readonly openMs: number
}

export const defaultCircuitOptions: CircuitOptions = {
  consecutiveFailures: 5,
  errorRate: 0.5,
  minRequests: 10,
  windowMs: 30_000,
  openMs: 15_000
}

/** The outcomes of one millisecond, so that the window holds at most `windowMs` entries whatever the traffic. */
interface Tally {
  readonly time: number
  total: number
  failures: number
}

/**
 * Stops traffic to a failing upstream. Closed: everything passes. Open: nothing passes for `openMs`. Half-open: one
 * probe passes; the next outcome closes (success) or re-opens (failure) the circuit. Outcomes reported while open come
 * from requests sent before it opened and are ignored.
 */
export class CircuitBreaker {
  private openedAt: number | undefined
  private probeSentAt: number | undefined
  private streak = 0
  private readonly outcomes = new Ring<Tally>()
  private total = 0
  private failures = 0

  constructor(private readonly options: CircuitOptions = defaultCircuitOptions) {}

  state(now: number): CircuitState {
    if (this.openedAt === undefined) return "closed"
    return now < this.openedAt + this.options.openMs ? "open" : "half-open"
  }

  /** When an open circuit lets a probe through; undefined unless open. */
  openedUntil(now: number): number | undefined {
    return this.openedAt !== undefined && this.state(now) === "open" ? this.openedAt + this.options.openMs : undefined
  }

  allow(now: number): boolean {
    switch (this.state(now)) {
      case "closed":
        return true
      case "open":
        return false
      case "half-open":
        // a probe whose outcome never comes (a cancelled request) must not keep the circuit shut for good
        if (this.probeSentAt !== undefined && now < this.probeSentAt + this.options.openMs) return false
        this.probeSentAt = now
        return true
    }
  }

  success(now: number): void {
    const state = this.state(now)
    if (state === "half-open") this.reset(undefined)
    if (state !== "closed") return
    this.streak = 0
    this.record(now, 0)
  }

  /** An active probe's outcome: a success closes the circuit at once, a failure counts as one (or reopens it). */
  probed(now: number, ok: boolean): void {
    if (this.state(now) === "closed") return ok ? this.success(now) : this.failure(now)
    this.reset(ok ? undefined : now)
  }

  failure(now: number): void {
    const state = this.state(now)
    if (state === "half-open") this.reset(now)
    if (state !== "closed") return
    this.streak++
    this.record(now, 1)
    const { consecutiveFailures, errorRate, minRequests } = this.options
    if (this.streak >= consecutiveFailures || (this.total >= minRequests && this.failures / this.total >= errorRate))
      this.reset(now)
  }

  /** Opens at `openedAt`, or closes when undefined, forgetting past outcomes either way. */
  private reset(openedAt: number | undefined): void {
    this.openedAt = openedAt
    this.probeSentAt = undefined
    this.streak = 0
    this.outcomes.clear()
    this.total = 0
    this.failures = 0
  }

  private record(now: number, failed: 0 | 1): void {
    const { windowMs } = this.options
    for (let oldest = this.outcomes.at(0); oldest !== undefined; oldest = this.outcomes.at(0)) {
      if (oldest.time + windowMs > now) break
      this.outcomes.shift()
      this.total -= oldest.total
      this.failures -= oldest.failures
    }
    const latest = this.outcomes.at(this.outcomes.length - 1)
    if (latest?.time === now) {
      latest.total++
      latest.failures += failed
    } else this.outcomes.push({ time: now, total: 1, failures: failed })
    this.total++
    this.failures += failed
  }
}
