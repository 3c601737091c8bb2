import { Ring } from "./Ring.ts"

interface Entry {
  readonly time: number
  amount: number
  pending: boolean
}

/**
 * The exact total of the amounts added over the last `spanMs`: an entry added at `t` counts while `now < t + spanMs`.
 * Expired entries are dropped lazily, on every call that takes `now`.
 */
export class SlidingWindow {
  private readonly entries: Ring<Entry>
  private sum = 0

  constructor(
    private readonly spanMs: number,
    ceiling: number
  ) {
    this.entries = new Ring(Math.min(16, ceiling))
  }

  /** Slots allocated by the window. */
  get capacity(): number {
    return this.entries.capacity
  }

  total(now: number): number {
    this.expire(now)
    return this.sum
  }

  /** The part of the total still reserved by entries not yet settled. */
  pending(now: number): number {
    this.expire(now)
    let sum = 0
    for (let i = 0; i < this.entries.length; i++) {
      const entry = this.entries.at(i)
      if (entry?.pending === true) sum += entry.amount
    }
    return sum
  }

  /** Adds `amount` at `now`; `ceiling` bounds how far the storage may grow (the most entries the window can hold). */
  add(now: number, amount: number, ceiling: number): void {
    this.expire(now)
    this.entries.push({ time: now, amount, pending: true }, ceiling)
    this.sum += amount
  }

  /** Ms until enough of the oldest entries leave for `amount` more to fit under `limit`: 0 if it fits now. */
  waitFor(now: number, amount: number, limit: number): number {
    if (amount > limit) return Infinity
    this.expire(now)
    let excess = this.sum + amount - limit
    for (let i = 0; excess > 0; i++) {
      const entry = this.entries.at(i)
      if (entry === undefined) return Infinity
      excess -= entry.amount
      if (excess <= 0) return entry.time + this.spanMs - now
    }
    return 0
  }

  /** Replaces the oldest pending entry of `reserved` by `actual`, keeping its time; nothing if it already left. */
  settle(now: number, reserved: number, actual: number): void {
    this.expire(now)
    for (let i = 0; i < this.entries.length; i++) {
      const entry = this.entries.at(i)
      if (entry === undefined || !entry.pending || entry.amount !== reserved) continue
      entry.pending = false
      entry.amount = actual
      this.sum += actual - reserved
      return
    }
  }

  private expire(now: number): void {
    for (let oldest = this.entries.at(0); oldest !== undefined; oldest = this.entries.at(0)) {
      if (oldest.time + this.spanMs > now) break
      this.entries.shift()
      this.sum -= oldest.amount
    }
    // fractional amounts could leave rounding dust behind
    if (this.entries.length === 0) this.sum = 0
  }
}
