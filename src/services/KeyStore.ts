import { timingSafeEqual } from "node:crypto"
import { Context, Effect, Layer, Redacted } from "effect"
import { AppConfig, type GatewayConfig } from "../Config.ts"
import { fail, type GatewayError, Unauthorized } from "../domain/GatewayError.ts"
import { glob } from "../domain/glob.ts"
import { sha256 } from "../domain/sha256.ts"
import type { VirtualKey } from "../domain/VirtualKey.ts"


interface StoredKey extends VirtualKey {
  readonly hash: Buffer
}

const missing = fail(new Unauthorized({
  message: "Missing API key: send it as 'Authorization: Bearer <key>' or 'x-api-key: <key>'"
}))
const invalid = fail(new Unauthorized({ message: "Incorrect API key provided" }))

const hashed = (keys: GatewayConfig["keys"]): ReadonlyMap<string, StoredKey> =>
  new Map(keys.map((key) => {
    const hash = sha256(Redacted.value(key.key))
    const patterns = key.models.map(glob)
    return [hash.toString("hex"), {
      name: key.name,
      hash,
      captureBodies: key.captureBodies,
      allows: (model: string) => patterns.some((pattern) => pattern.test(model))
    }]
  }))

/** Virtual keys, held in memory as SHA-256 hashes; a presented secret is hashed and compared in constant time. */
export class KeyStore extends Context.Service<KeyStore, {
  readonly authenticate: (secret: string | undefined) => Effect.Effect<VirtualKey, GatewayError>
  /** Swaps in the keys of a new config at once. */
  readonly reload: (config: GatewayConfig) => void
}>()("sluice/services/KeyStore") {
  static readonly layer = Layer.effect(
    KeyStore,
    Effect.gen(function*() {
      let byHash = hashed((yield* AppConfig).keys)
      return KeyStore.of({
        reload: (config) => {
          byHash = hashed(config.keys)
        },
        authenticate: (secret) => {
          if (secret === undefined || secret === "") return Effect.fail(missing)
          const hash = sha256(secret)
          const key = byHash.get(hash.toString("hex"))
          return key !== undefined && timingSafeEqual(key.hash, hash) ? Effect.succeed(key) : Effect.fail(invalid)
        }
      })
    })
  )
}
