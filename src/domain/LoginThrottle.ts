/**
 * Failed sign-ins per email: after `maxFailures` within `windowMs`, that email's attempts are refused until the
 * oldest failure leaves the window, so passwords cannot be guessed at request speed. Memory is bounded: past
 * `maxTracked` emails the oldest entry is forgotten.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, Array<number>>()

  constructor(
    private readonly maxFailures = 5,
    private readonly windowMs = 15 * 60_000,
    private readonly maxTracked = 10_000
  ) {}

  /** Ms until this email may try again: 0 when it may now. */
  waitMs(email: string, now: number): number {
    const recent = this.recent(email, now)
    return recent.length < this.maxFailures ? 0 : recent[recent.length - this.maxFailures]! + this.windowMs - now
  }

  failed(email: string, now: number): void {
    const recent = this.recent(email, now)
    recent.push(now)
    this.failures.delete(email)
    this.failures.set(email, recent)
    if (this.failures.size > this.maxTracked) this.failures.delete(this.failures.keys().next().value!)
  }

  succeeded(email: string): void {
    this.failures.delete(email)
  }

  private recent(email: string, now: number): Array<number> {
    return (this.failures.get(email) ?? []).filter((at) => at + this.windowMs > now)
  }
}
