/**
 * Requests per second with a burst: the bucket holds up to `burst` tokens, refills at `rate` a second, and each
 * request takes one. A rate and a burst of 0 block everything.
 */
export class TokenBucket {
  private tokens: number
  private updatedAt: number

  constructor(
    readonly rate: number,
    readonly burst: number,
    now: number
  ) {
    this.tokens = burst
    this.updatedAt = now
  }

  /** Takes a token: 0 when one was free, else the ms until one will be (Infinity if never). */
  take(now: number): number {
    this.refill(now)
    if (this.tokens >= 1) {
      this.tokens -= 1
      return 0
    }
    if (this.rate <= 0 || this.burst < 1) return Infinity
    return Math.ceil(((1 - this.tokens) / this.rate) * 1000)
  }

  /** Whole tokens left now. */
  remaining(now: number): number {
    this.refill(now)
    return Math.floor(this.tokens)
  }

  /** Ms until the bucket is full again. */
  resetMs(now: number): number {
    this.refill(now)
    return this.rate <= 0 ? 0 : Math.ceil(((this.burst - this.tokens) / this.rate) * 1000)
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.updatedAt) / 1000
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.rate)
    this.updatedAt = now
  }
}
