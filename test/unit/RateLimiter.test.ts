import { describe, expect, test } from "bun:test"
import { Effect, Layer } from "effect"
import { TestClock } from "effect/testing"
import type { GatewayError } from "../../src/domain/GatewayError.ts"
import type { KeyLimits } from "../../src/domain/VirtualKey.ts"
import { RateLimiter } from "../../src/services/RateLimiter.ts"
import { testKey } from "./testConfig.ts"

const keyWith = (limits: KeyLimits) => ({ ...testKey("limited"), limits })

/** Runs `body` with a RateLimiter whose time is the TestClock's. */
const withLimiter = <A>(body: (limiter: RateLimiter["Service"]) => Effect.Effect<A, GatewayError>) =>
  Effect.runPromise(
    Effect.gen(function*() {
      return yield* body(yield* RateLimiter)
    }).pipe(Effect.provide(RateLimiter.layer.pipe(Layer.provideMerge(TestClock.layer()))))
  )

const outcome = (limiter: RateLimiter["Service"], key: ReturnType<typeof keyWith>, tokens = 0) =>
  Effect.result(limiter.admit(key, tokens)).pipe(Effect.map((result) => result._tag === "Success" ? "ok" : result.failure.reason))

describe("RateLimiter: requests per second with burst (token bucket, TestClock)", () => {
  test("a burst passes at once, then one request per 1/rps; time refills the bucket up to the burst", () =>
    withLimiter((limiter) =>
      Effect.gen(function*() {
        const key = keyWith({ rps: 2, burst: 3 })
        const first: Array<Effect.Success<ReturnType<typeof outcome>>> = []
        for (let i = 0; i < 4; i++) first.push(yield* outcome(limiter, key))
        expect(first.slice(0, 3)).toEqual(["ok", "ok", "ok"])
        const refused = first[3]
        if (refused === "ok" || refused === undefined || refused._tag !== "RateLimited") throw new Error("expected a refusal")
        expect(refused.retryAfterMs).toBe(1000)
        expect(refused.headers).toMatchObject({ "x-ratelimit-limit-requests": "3", "x-ratelimit-remaining-requests": "0" })
        yield* TestClock.adjust(499)
        expect(yield* outcome(limiter, key)).not.toBe("ok")
        yield* TestClock.adjust(1)
        expect(yield* outcome(limiter, key)).toBe("ok")
        yield* TestClock.adjust(60_000)
        const after: Array<boolean> = []
        for (let i = 0; i < 4; i++) after.push((yield* outcome(limiter, key)) === "ok")
        expect(after).toEqual([true, true, true, false])
      })
    ))

  test("rps 0 and burst 0 block everything, forever", () =>
    withLimiter((limiter) =>
      Effect.gen(function*() {
        const key = keyWith({ rps: 0, burst: 0 })
        const refused = yield* outcome(limiter, key)
        if (refused === "ok" || refused._tag !== "RateLimited") throw new Error("expected a refusal")
        expect(refused.retryAfterMs).toBeNull()
        yield* TestClock.adjust(3_600_000)
        expect(yield* outcome(limiter, key)).not.toBe("ok")
      })
    ))

  test("no limit set: unlimited, and no headers", () =>
    withLimiter((limiter) =>
      Effect.gen(function*() {
        const key = keyWith({})
        for (let i = 0; i < 1000; i++) expect((yield* limiter.admit(key, 1_000_000)).headers).toEqual({})
      })
    ))

  test("a refusal by the minute window does not use up the bucket", () =>
    withLimiter((limiter) =>
      Effect.gen(function*() {
        const key = keyWith({ rpm: 1, rps: 1, burst: 1 })
        expect(yield* outcome(limiter, key)).toBe("ok")
        yield* TestClock.adjust(2_000)
        expect(yield* outcome(limiter, key)).not.toBe("ok")
        yield* TestClock.adjust(58_000)
        expect(yield* outcome(limiter, key)).toBe("ok")
      })
    ))
})

describe("RateLimiter: RPM, TPM and concurrency", () => {
  test("RPM is an exact sliding minute, with OpenAI's headers", () =>
    withLimiter((limiter) =>
      Effect.gen(function*() {
        const key = keyWith({ rpm: 3 })
        const first = yield* limiter.admit(key, 0)
        expect(first.headers).toEqual({ "x-ratelimit-limit-requests": "3", "x-ratelimit-remaining-requests": "2", "x-ratelimit-reset-requests": "1m0s" })
        yield* TestClock.adjust(20_000)
        yield* limiter.admit(key, 0)
        yield* limiter.admit(key, 0)
        const refused = yield* outcome(limiter, key)
        if (refused === "ok" || refused._tag !== "RateLimited") throw new Error("expected a refusal")
        expect(refused.retryAfterMs).toBe(40_000)
        yield* TestClock.adjust(40_000)
        expect(yield* outcome(limiter, key)).toBe("ok")
      })
    ))

  test("TPM counts the worst case on admission and the real tokens once settled", () =>
    withLimiter((limiter) =>
      Effect.gen(function*() {
        const key = keyWith({ tpm: 1000 })
        const ticket = yield* limiter.admit(key, 800)
        expect(ticket.headers["x-ratelimit-remaining-tokens"]).toBe("200")
        expect(yield* outcome(limiter, key, 300)).not.toBe("ok")
        ticket.settle(100)
        ticket.settle(100)
        const next = yield* limiter.admit(key, 300)
        expect(next.headers["x-ratelimit-remaining-tokens"]).toBe("600")
        const tooBig = yield* outcome(limiter, key, 5000)
        if (tooBig === "ok" || tooBig._tag !== "RateLimited") throw new Error("expected a refusal")
        expect(tooBig.message).toContain("more than the key's 1000 per minute")
      })
    ))

  test("concurrency: a slot frees when its request settles", () =>
    withLimiter((limiter) =>
      Effect.gen(function*() {
        const key = keyWith({ concurrency: 2 })
        const a = yield* limiter.admit(key, 0)
        yield* limiter.admit(key, 0)
        expect(yield* outcome(limiter, key)).not.toBe("ok")
        a.settle(0)
        expect(yield* outcome(limiter, key)).toBe("ok")
      })
    ))
})
