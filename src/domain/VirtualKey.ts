/** An authenticated caller of the gateway. The secret itself is never kept, only its hash. */
export interface VirtualKey {
  readonly name: string
  /** Whether this key may use a model, given its public name or `provider/model`. */
  readonly allows: (model: string) => boolean
  /** Whether its requests' bodies are stored with their ledger rows. */
  readonly captureBodies: boolean
}
