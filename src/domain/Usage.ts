/** `reported` by the upstream, `estimated` by counting locally, `missing` when neither was possible. */
export type UsageSource = "reported" | "estimated" | "missing"

export interface Usage {
  readonly promptTokens: number
  readonly completionTokens: number
  /** Prompt tokens served from the provider's cache (a subset of promptTokens). */
  readonly cachedTokens: number
  readonly source: UsageSource
}
