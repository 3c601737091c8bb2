/** An exponentially weighted moving average: a sample's weight halves every `halfLifeSamples` later samples. */
export class Ewma {
  private readonly alpha: number
  private current: number | undefined

  constructor(halfLifeSamples = 10) {
    this.alpha = 1 - 2 ** (-1 / halfLifeSamples)
  }

  add(value: number): void {
    // one NaN or infinite sample would stick for good
    if (!Number.isFinite(value)) return
    this.current = this.current === undefined ? value : this.current + this.alpha * (value - this.current)
  }

  /** Undefined until the first sample, which is taken as is. */
  value(): number | undefined {
    return this.current
  }
}
