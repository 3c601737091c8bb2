import type { Period } from "../VirtualKey.ts"
import { periodBounds } from "./periodBounds.ts"

/** What one admitted request holds against an allowance until it settles. */
export interface Hold {
  readonly amount: number
  /** The period it was taken in: a request is charged to the period it started in, as its ledger row is. */
  readonly periodStart: number
}

/**
 * An amount (USD or tokens) that may be used per calendar period, admitted by reservation: a request holds its
 * worst case before it is sent, so concurrent requests can never together overshoot the limit; on settling, the
 * hold is released and the real amount is charged. Amounts are integers (nano-USD, tokens), so sums are exact.
 */
export class Allowance {
  private spent = 0
  private reserved = 0
  private periodStart: number
  private periodEnd: number | null

  constructor(
    readonly limit: number,
    readonly period: Period,
    now: number,
    /** Already used in the current period (rebuilt from the ledger on start). */
    spent = 0
  ) {
    const { start, end } = periodBounds(period, now)
    this.periodStart = start
    this.periodEnd = end
    this.spent = spent
  }

  /** Holds `amount` if it fits in what is left of the period; undefined when it does not. */
  reserve(amount: number, now: number): Hold | undefined {
    this.roll(now)
    if (this.spent + this.reserved + amount > this.limit) return undefined
    this.reserved += amount
    return { amount, periodStart: this.periodStart }
  }

  /** Releases `hold` and charges `actual` to its period (nothing if that period is over). */
  settle(hold: Hold, actual: number, now: number): void {
    this.roll(now)
    this.reserved = Math.max(0, this.reserved - hold.amount)
    if (hold.periodStart === this.periodStart) this.spent += actual
  }

  status(now: number) {
    this.roll(now)
    return {
      limit: this.limit,
      spent: this.spent,
      reserved: this.reserved,
      remaining: Math.max(0, this.limit - this.spent - this.reserved),
      period: this.period,
      resetsAt: this.periodEnd
    }
  }

  private roll(now: number): void {
    if (this.periodEnd === null || now < this.periodEnd) return
    const { start, end } = periodBounds(this.period, now)
    this.periodStart = start
    this.periodEnd = end
    // Holds still in flight stay reserved (they are released when they settle), but spending starts again.
    this.spent = 0
  }
}
