import { describe, expect, test } from "bun:test"
import { Effect, Layer } from "effect"
import { AppConfig, type GatewayConfig, type VirtualKeyConfig } from "../../src/Config.ts"
import type { GatewayError } from "../../src/domain/GatewayError.ts"
import type { VirtualKey } from "../../src/domain/VirtualKey.ts"
import { KeyStore } from "../../src/services/KeyStore.ts"
import { Database } from "../../src/db/Database.ts"
import { testConfig, testKeyConfig } from "./testConfig.ts"

const config = (keys: ReadonlyArray<VirtualKeyConfig>): GatewayConfig => testConfig({ keys })

const aliceSecret = "sk-alice-0123456789abcdef"
const bobSecret = "sk-bob-fedcba9876543210"

const keyStoreWith = (keys: ReadonlyArray<VirtualKeyConfig>): KeyStore["Service"] =>
  Effect.runSync(
    Effect.provide(
      Effect.gen(function*() {
        return yield* KeyStore
      }),
      KeyStore.layer.pipe(Layer.provide(Database.layer), Layer.provide(Layer.succeed(AppConfig, config(keys))))
    )
  )

const store = keyStoreWith([
  testKeyConfig("alice", aliceSecret, ["gpt-*", "p2/claude-sonnet"]),
  testKeyConfig("bob", bobSecret, ["*"]),
  testKeyConfig("nobody", "sk-nobody", [])
])

const authOk = (secret: string | undefined): VirtualKey => Effect.runSync(store.authenticate(secret))
const authErr = (secret: string | undefined): GatewayError => Effect.runSync(Effect.flip(store.authenticate(secret)))

const unauthorized = (secret: string | undefined) => {
  const error = authErr(secret)
  const reason = error.reason
  if (reason._tag !== "Unauthorized") throw new Error(`expected Unauthorized, got ${reason._tag}`)
  expect(reason.status).toBe(401)
  expect(reason.type).toBe("authentication_error")
  expect(reason.code).toBe("invalid_api_key")
  expect(error.message).toBe(reason.message)
  return reason.message
}

describe("KeyStore.authenticate", () => {
  test("a configured secret authenticates to its key's name", () => {
    expect(authOk(aliceSecret).name).toBe("alice")
    expect(authOk(bobSecret).name).toBe("bob")
    expect(authOk("sk-nobody").name).toBe("nobody")
  })

  test("authenticating twice gives the same key", () => {
    expect(authOk(aliceSecret)).toBe(authOk(aliceSecret))
  })

  test("a wrong secret is Unauthorized (401)", () => {
    const message = unauthorized("sk-mallory")
    expect(message).toBe("Incorrect API key provided")
  })

  test("near misses are wrong secrets too: prefix, extension, case, surrounding space", () => {
    for (const secret of [aliceSecret.slice(0, -1), `${aliceSecret}x`, aliceSecret.toUpperCase(), ` ${aliceSecret}`]) {
      expect(unauthorized(secret)).toBe("Incorrect API key provided")
    }
  })

  test("a missing or empty secret is Unauthorized with a message saying how to send one", () => {
    const missing = unauthorized(undefined)
    expect(unauthorized("")).toBe(missing)
    expect(missing).toContain("Missing API key")
    expect(missing).toContain("Authorization: Bearer")
    expect(missing).not.toBe(unauthorized("sk-mallory"))
  })

  test("a key name is not a secret", () => {
    expect(unauthorized("alice")).toBe("Incorrect API key provided")
  })

  test("with no keys configured, every secret is rejected", () => {
    const empty = keyStoreWith([])
    const error = Effect.runSync(Effect.flip(empty.authenticate(aliceSecret)))
    expect(error.reason._tag).toBe("Unauthorized")
    expect(error.message).toBe("Incorrect API key provided")
  })
})

describe("KeyStore: allowed models", () => {
  test("a key allows exactly the models its globs match", () => {
    const alice = authOk(aliceSecret)
    expect(alice.allows("gpt-4o")).toBe(true)
    expect(alice.allows("gpt-4o-mini")).toBe(true)
    expect(alice.allows("p2/claude-sonnet")).toBe(true)
    expect(alice.allows("claude-sonnet")).toBe(false)
    expect(alice.allows("p1/claude-sonnet")).toBe(false)
    expect(alice.allows("o1")).toBe(false)
    expect(alice.allows("my-gpt-4o")).toBe(false)
  })

  test("`*` allows everything, including provider/model names", () => {
    const bob = authOk(bobSecret)
    for (const model of ["gpt-4o", "p1/gpt-4o", "meta-llama/llama-3-8b", ""]) expect(bob.allows(model)).toBe(true)
  })

  test("a key with no globs allows nothing", () => {
    expect(authOk("sk-nobody").allows("gpt-4o")).toBe(false)
  })
})

describe("KeyStore: no plaintext", () => {
  test("the authenticated key does not expose its secret", () => {
    const alice = authOk(aliceSecret)
    expect(JSON.stringify(alice)).not.toContain(aliceSecret)
    expect(Bun.inspect(alice)).not.toContain(aliceSecret)
    expect(String(alice)).not.toContain(aliceSecret)
    for (const value of Object.values(alice)) {
      if (typeof value === "string") expect(value).not.toContain(aliceSecret)
    }
  })

  test("the service itself does not expose any secret", () => {
    for (const text of [JSON.stringify(store), Bun.inspect(store)]) {
      expect(text).not.toContain(aliceSecret)
      expect(text).not.toContain(bobSecret)
    }
  })
})
