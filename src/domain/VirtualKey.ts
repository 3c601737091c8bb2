export type Period = "daily" | "weekly" | "monthly" | "total"

/** A key's own rate limits; an absent one is unlimited. `rps` and `burst` make a token bucket. */
export interface KeyLimits {
  readonly rpm?: number | undefined
  readonly tpm?: number | undefined
  readonly rps?: number | undefined
  readonly burst?: number | undefined
  readonly concurrency?: number | undefined
}

export interface KeyBudget {
  readonly usd: number
  readonly period: Period
}

export interface TokenQuota {
  readonly tokens: number
  readonly period: Period
}

/** An authenticated caller of the gateway. The secret itself is never kept, only its hash. */
export interface VirtualKey {
  /** The database id, or `config:<name>` for a key of config.yaml. */
  readonly id: string
  readonly name: string
  /** The user who owns it (database keys only). */
  readonly ownerId: string | null
  readonly source: "config" | "database"
  /** Its allowed-model globs, as given. */
  readonly models: ReadonlyArray<string>
  /** Whether this key may use a model, given its public name or `provider/model`. */
  readonly allows: (model: string) => boolean
  /** Whether its requests' bodies are stored with their ledger rows. */
  readonly captureBodies: boolean
  readonly limits: KeyLimits
  readonly budget: KeyBudget | undefined
  readonly tokenQuota: TokenQuota | undefined
  /** Whether a key with a budget may use a model without a price (its cost is then unknown and flagged). */
  readonly allowUnpriced: boolean
  /** Epoch ms; null never expires. */
  readonly expiresAt: number | null
}
