/** What a strategy may know of one candidate target at pick time. */
export interface TargetView {
  /** > 0, from config. */
  readonly weight: number
  readonly inFlight: number
  /** Concurrency limit, undefined = unlimited. */
  readonly concurrency: number | undefined
  /** EWMA, undefined = no sample yet. */
  readonly latencyMs: number | undefined
  /** In [0, 1], 1 = unlimited / untouched. */
  readonly headroom: number
}

export type Strategy = "weighted" | "priority" | "random" | "least-busy" | "latency" | "headroom"

/** Stateful (weighted keeps its smooth round-robin state), one per model route. */
export interface Picker {
  /** Index of the chosen candidate among `views`, considering only those with available[i] true; undefined if none. */
  readonly pick: (views: ReadonlyArray<TargetView>, available: ReadonlyArray<boolean>) => number | undefined
}
