import { describe, expect, test } from "bun:test"
import { Effect, Layer, Redacted } from "effect"
import { AppConfig, type GatewayConfig, type ProviderConfig } from "../../src/Config.ts"
import { UpstreamRateLimited, UpstreamUnavailable } from "../../src/domain/GatewayError.ts"
import { type Candidate, routingTable } from "../../src/domain/routingTable.ts"
import { type Acquired, type Lease, ProviderPool } from "../../src/services/ProviderPool.ts"
import { testConfig, testProvider } from "./testConfig.ts"

const keys = (...names: ReadonlyArray<string>) => names.map((name) => ({ key: Redacted.make(name), limits: {}, disabled: false }))

const poolWith = (providers: ReadonlyArray<ProviderConfig>) => {
  const config: GatewayConfig = testConfig({ providers })
  const pool = Effect.runSync(Effect.provide(ProviderPool.useSync((service) => service), ProviderPool.layer.pipe(Layer.provide(Layer.succeed(AppConfig, config)))))
  const candidates = (model: string): ReadonlyArray<Candidate> => routingTable(config).get(model)!.candidates
  return { pool, candidates }
}

const leaseOf = (acquired: Acquired): Lease => {
  if (!("lease" in acquired)) throw new Error(`nothing available (wait ${acquired.waitMs} ms)`)
  return acquired.lease
}

const none = { tokens: 10, excluded: new Set<string>(), prefer: undefined }

describe("ProviderPool", () => {
  test("a provider's keys share its weight: two providers of weight 1 split evenly whatever their key counts", () => {
    const { pool, candidates } = poolWith([
      testProvider({ name: "one", models: ["m"], keys: keys("k1") }),
      testProvider({ name: "three", models: ["m"], keys: keys("t1", "t2", "t3") })
    ])
    const counts = new Map<string, number>()
    for (let i = 0; i < 60; i++) {
      const lease = leaseOf(pool.acquire("m", "weighted", candidates("m"), none))
      counts.set(lease.pooled.candidate.provider.name, (counts.get(lease.pooled.candidate.provider.name) ?? 0) + 1)
      lease.released({ status: 200, tokens: 10, ttftMs: undefined })
    }
    expect(counts.get("one")).toBe(30)
    expect(counts.get("three")).toBe(30)
  })

  test("after a failure the same provider's other key comes first, then other providers", () => {
    const { pool, candidates } = poolWith([
      testProvider({ name: "a", models: ["m"], keys: keys("a1", "a2") }),
      testProvider({ name: "b", models: ["m"], keys: keys("b1") })
    ])
    const first = leaseOf(pool.acquire("m", "priority", candidates("m"), none))
    expect(first.pooled.id).toBe("a#1")
    first.failed(new UpstreamUnavailable({ message: "boom", upstreamStatus: 500 }), undefined)
    const sibling = leaseOf(pool.acquire("m", "priority", candidates("m"), { tokens: 10, excluded: new Set(["a#1"]), prefer: "a" }))
    expect(sibling.pooled.id).toBe("a#2")
    sibling.failed(new UpstreamUnavailable({ message: "boom", upstreamStatus: 500 }), undefined)
    const other = leaseOf(pool.acquire("m", "priority", candidates("m"), { tokens: 10, excluded: new Set(["a#1", "a#2"]), prefer: "a" }))
    expect(other.pooled.id).toBe("b#1")
  })

  test("a 429 cools its key down for its retry-after; disabled keys and providers are skipped", () => {
    const { pool, candidates } = poolWith([
      testProvider({ name: "a", models: ["m"], keys: [...keys("a1"), { key: Redacted.make("a2"), limits: {}, disabled: true }] }),
      testProvider({ name: "b", models: ["m"], keys: keys("b1") })
    ])
    const first = leaseOf(pool.acquire("m", "priority", candidates("m"), none))
    expect(first.pooled.id).toBe("a#1")
    first.failed(new UpstreamRateLimited({ message: "slow down", retryAfterMs: 60_000 }), undefined)
    expect(leaseOf(pool.acquire("m", "priority", candidates("m"), none)).pooled.id).toBe("b#1")
    expect(pool.setDisabled("b", undefined, true)).toBe(true)
    const blocked = pool.acquire("m", "priority", candidates("m"), none)
    expect("waitMs" in blocked && blocked.waitMs).toBeGreaterThan(59_000)
    const health = pool.health()
    expect(health.map((p) => [p.name, p.disabled, p.keys.map((k) => k.state)])).toEqual([
      ["a", false, ["cooling", "disabled"]],
      ["b", true, ["disabled"]]
    ])
    expect(pool.setDisabled("nope", undefined, true)).toBe(false)
    expect(pool.setDisabled("a", 3, true)).toBe(false)
  })

  test("a key's limits hold: past its concurrency the pool says to wait; a release frees the slot", () => {
    const { pool, candidates } = poolWith([
      testProvider({ name: "a", models: ["m"], keys: [{ key: Redacted.make("a1"), limits: { concurrency: 1 }, disabled: false }] })
    ])
    const held = leaseOf(pool.acquire("m", "weighted", candidates("m"), none))
    expect("waitMs" in pool.acquire("m", "weighted", candidates("m"), none)).toBe(true)
    held.released({ status: 200, tokens: 10, ttftMs: 5 })
    expect("lease" in pool.acquire("m", "weighted", candidates("m"), none)).toBe(true)
  })
})
