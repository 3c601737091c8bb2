import { describe, expect, test } from "bun:test"
import { RateWindows } from "../../src/domain/pool/RateWindows.ts"

const minute = 60_000
const day = 86_400_000

describe("RateWindows", () => {
  test("without limits everything is admitted and nothing per request is kept: the hot path of an unlimited key", () => {
    const windows = new RateWindows({})
    for (let i = 0; i < 1000; i++) expect(windows.admit(i, 10)).toEqual({ ok: true })
    expect(windows.inFlight()).toBe(1000)
    expect(windows.usage(1000)).toEqual({ rpm: 0, tpm: 0, rpd: 0 })
    expect(windows.headroom(1000)).toBe(1)
    expect(windows.size()).toBe(0)
  })

  test("each configured limit keeps its own window, counting until the request leaves it", () => {
    const windows = new RateWindows({ rpm: 5000, tpm: 1_000_000 })
    for (let i = 0; i < 1000; i++) expect(windows.admit(i, 10)).toEqual({ ok: true })
    expect(windows.usage(1000)).toEqual({ rpm: 1000, tpm: 10_000, rpd: 0 })
    expect(windows.usage(998 + minute)).toEqual({ rpm: 1, tpm: 10, rpd: 0 })
    expect(windows.usage(999 + minute)).toEqual({ rpm: 0, tpm: 0, rpd: 0 })
  })

  test("the RPM window slides exactly: a request counts for [t, t + 60s)", () => {
    const windows = new RateWindows({ rpm: 2 })
    expect(windows.admit(0, 1).ok).toBe(true)
    expect(windows.admit(10_000, 1).ok).toBe(true)
    expect(windows.admit(30_000, 1)).toEqual({ ok: false, reason: "rpm", retryAfterMs: 30_000 })
    expect(windows.admit(59_999, 1)).toEqual({ ok: false, reason: "rpm", retryAfterMs: 1 })
    expect(windows.usage(59_999).rpm).toBe(2)
    expect(windows.usage(60_000).rpm).toBe(1)
    expect(windows.admit(60_000, 1)).toEqual({ ok: true })
    expect(windows.admit(60_000, 1)).toEqual({ ok: false, reason: "rpm", retryAfterMs: 10_000 })
    expect(windows.admit(70_000, 1)).toEqual({ ok: true })
  })

  test("a refused request is not recorded", () => {
    const windows = new RateWindows({ rpm: 1, tpm: 1000 })
    windows.admit(0, 5)
    for (let t = 1; t < 100; t++) windows.admit(t, 5)
    expect(windows.usage(100)).toEqual({ rpm: 1, tpm: 5, rpd: 0 })
    expect(windows.inFlight()).toBe(1)
  })

  test("TPM refusals wait exactly until enough of the oldest tokens leave", () => {
    const windows = new RateWindows({ tpm: 1000 })
    // settled at what they reserved: only time frees their tokens
    for (const [at, tokens] of [[0, 400], [10_000, 300], [20_000, 200]] as const) {
      windows.admit(at, tokens)
      windows.settle(at, tokens, tokens)
    }
    expect(windows.admit(30_000, 500)).toEqual({ ok: false, reason: "tpm", retryAfterMs: 30_000 })
    expect(windows.admit(30_000, 800)).toEqual({ ok: false, reason: "tpm", retryAfterMs: 40_000 })
    expect(windows.admit(30_000, 1000)).toEqual({ ok: false, reason: "tpm", retryAfterMs: 50_000 })
    expect(windows.admit(30_000, 100)).toEqual({ ok: true })
    expect(windows.admit(60_000, 401).ok).toBe(false)
    expect(windows.admit(60_000, 400)).toEqual({ ok: true })
  })

  test("a TPM refusal says when requests in flight could lift it by settling below their worst case", () => {
    const windows = new RateWindows({ tpm: 1000 })
    windows.admit(0, 700)
    windows.settle(0, 700, 700)
    windows.admit(1000, 250)
    expect(windows.admit(2000, 100)).toEqual({ ok: false, reason: "tpm", retryAfterMs: minute - 2000, settling: true })
    // even if the one in flight used nothing, 700 + 400 would not fit: only time helps
    expect(windows.admit(2000, 400)).toEqual({ ok: false, reason: "tpm", retryAfterMs: minute - 2000 })
    windows.settle(3000, 250, 10)
    expect(windows.admit(3000, 100)).toEqual({ ok: true })
  })

  test("more tokens than the TPM limit or the per request cap never fit", () => {
    expect(new RateWindows({ tpm: 1000 }).admit(0, 1001)).toEqual({ ok: false, reason: "tpm", retryAfterMs: Infinity })
    const capped = new RateWindows({ tpr: 100 })
    expect(capped.admit(0, 101)).toEqual({ ok: false, reason: "tpr", retryAfterMs: Infinity })
    expect(capped.admit(0, 100)).toEqual({ ok: true })
  })

  test("the RPD window lasts a day", () => {
    const windows = new RateWindows({ rpd: 3 })
    for (const t of [0, 1000, 2000]) expect(windows.admit(t, 1).ok).toBe(true)
    expect(windows.usage(3000).rpd).toBe(3)
    expect(windows.admit(3000, 1)).toEqual({ ok: false, reason: "rpd", retryAfterMs: day - 3000 })
    expect(windows.admit(day - 1, 1)).toEqual({ ok: false, reason: "rpd", retryAfterMs: 1 })
    expect(windows.admit(day, 1)).toEqual({ ok: true })
    expect(windows.usage(day).rpd).toBe(3)
  })

  test("concurrency counts requests in flight and frees up on settle", () => {
    const windows = new RateWindows({ concurrency: 2 })
    expect(windows.admit(0, 1).ok).toBe(true)
    expect(windows.admit(0, 1).ok).toBe(true)
    expect(windows.inFlight()).toBe(2)
    expect(windows.admit(0, 1)).toEqual({ ok: false, reason: "concurrency", retryAfterMs: 0 })
    windows.settle(5, 1, 1)
    expect(windows.inFlight()).toBe(1)
    expect(windows.admit(5, 1)).toEqual({ ok: true })
  })

  test("settle corrects the TPM entry in place, keeping its time", () => {
    const windows = new RateWindows({ tpm: 1000 })
    windows.admit(0, 600)
    windows.settle(5000, 600, 100)
    expect(windows.usage(5000).tpm).toBe(100)
    expect(windows.inFlight()).toBe(0)
    expect(windows.admit(5000, 900)).toEqual({ ok: true })
    // the corrected 100 still leaves at 60s, when it was admitted (or the 900 in flight may settle lower)
    expect(windows.admit(6000, 100)).toEqual({ ok: false, reason: "tpm", retryAfterMs: minute - 6000, settling: true })
    expect(windows.admit(minute, 100)).toEqual({ ok: true })
  })

  test("settle may correct upwards, and only once per admitted request", () => {
    const windows = new RateWindows({ tpm: 1000 })
    windows.admit(0, 100)
    windows.admit(1000, 100)
    windows.settle(2000, 100, 400)
    expect(windows.usage(2000).tpm).toBe(500)
    windows.settle(3000, 100, 300)
    expect(windows.usage(3000).tpm).toBe(700)
    windows.settle(4000, 100, 50)
    expect(windows.usage(4000).tpm).toBe(700)
    // the first request (now 400) leaves first
    expect(windows.usage(minute).tpm).toBe(300)
  })

  test("settling a request whose entry already left the window only frees its slot", () => {
    const windows = new RateWindows({ tpm: 1000, concurrency: 5 })
    windows.admit(0, 500)
    windows.admit(50_000, 200)
    windows.settle(70_000, 500, 50)
    expect(windows.usage(70_000).tpm).toBe(200)
    expect(windows.inFlight()).toBe(1)
  })

  test("a cooldown refuses everything until it ends, and a shorter one never cuts it short", () => {
    const windows = new RateWindows({})
    windows.cooldown(1000, 5000)
    expect(windows.admit(3000, 1)).toEqual({ ok: false, reason: "cooldown", retryAfterMs: 3000 })
    expect(windows.headroom(3000)).toBe(0)
    windows.cooldown(3000, 1000)
    expect(windows.admit(5999, 1)).toEqual({ ok: false, reason: "cooldown", retryAfterMs: 1 })
    expect(windows.admit(6000, 1)).toEqual({ ok: true })
    expect(windows.headroom(6000)).toBe(1)
  })

  test("when several limits refuse, the longest wait is reported", () => {
    const windows = new RateWindows({ rpm: 1 })
    windows.admit(0, 1)
    windows.cooldown(30_000, 1000)
    expect(windows.admit(30_000, 1)).toEqual({ ok: false, reason: "rpm", retryAfterMs: 30_000 })
    windows.cooldown(30_000, 40_000)
    expect(windows.admit(30_000, 1)).toEqual({ ok: false, reason: "cooldown", retryAfterMs: 40_000 })
  })

  test("learn: no remaining requests or tokens refuses until the reported reset", () => {
    const windows = new RateWindows({})
    windows.learn(1000, { remainingRequests: 0, resetRequestsMs: 2000 })
    expect(windows.admit(1500, 1)).toEqual({ ok: false, reason: "rpm", retryAfterMs: 1500 })
    expect(windows.headroom(1500)).toBe(0)
    expect(windows.admit(3000, 1)).toEqual({ ok: true })
    windows.learn(4000, { remainingTokens: 0, resetTokensMs: 500 })
    expect(windows.admit(4000, 1)).toEqual({ ok: false, reason: "tpm", retryAfterMs: 500 })
    expect(windows.admit(4500, 1)).toEqual({ ok: true })
  })

  test("blockedUntil: the end of a cooldown or of a reported exhaustion, whichever is later", () => {
    const windows = new RateWindows({ rpm: 1 })
    windows.admit(0, 1)
    expect(windows.blockedUntil(0)).toBeUndefined() // a full window is not a block
    windows.cooldown(0, 1000)
    expect(windows.blockedUntil(0)).toBe(1000)
    windows.learn(0, { remainingTokens: 0, resetTokensMs: 3000 })
    expect(windows.blockedUntil(500)).toBe(3000)
    expect(windows.blockedUntil(2999)).toBe(3000)
    expect(windows.blockedUntil(3000)).toBeUndefined()
  })

  test("learn: remaining counts above 0, or without a reset, change nothing", () => {
    const windows = new RateWindows({})
    windows.learn(0, { remainingRequests: 1, resetRequestsMs: 2000, remainingTokens: 0 })
    expect(windows.admit(0, 1)).toEqual({ ok: true })
  })

  test("learn: a reported limit never creates one where none is configured", () => {
    const windows = new RateWindows({})
    windows.learn(0, { limitRequests: 2, limitTokens: 10 })
    expect(windows.limits()).toEqual({})
    for (let t = 0; t < 10; t++) expect(windows.admit(t, 100)).toEqual({ ok: true })
  })

  test("learn: a reported limit lower than the configured one replaces it, a higher one never raises it", () => {
    const windows = new RateWindows({ rpm: 100, tpm: 10_000, concurrency: 4 })
    windows.learn(0, { limitRequests: 50, limitTokens: 20_000 })
    expect(windows.limits()).toEqual({ rpm: 50, tpm: 10_000, concurrency: 4 })
    windows.learn(0, { limitRequests: 200 })
    expect(windows.limits()).toEqual({ rpm: 100, tpm: 10_000, concurrency: 4 })
    windows.learn(0, { limitRequests: 0 })
    expect(windows.limits().rpm).toBe(100)
  })

  test("learn: a learned limit applies to the traffic already seen", () => {
    const windows = new RateWindows({ rpm: 5, tpm: 5000 })
    for (const t of [0, 1, 2, 3, 4]) windows.admit(t, 300)
    windows.learn(100, { limitRequests: 2, limitTokens: 1000 })
    expect(windows.limits()).toEqual({ rpm: 2, tpm: 1000 })
    // 5 requests against a limit of 2: the 4 oldest must leave, the last of them at 3 + 60s
    expect(windows.admit(100, 1)).toEqual({ ok: false, reason: "rpm", retryAfterMs: minute + 3 - 100 })
    expect(windows.admit(minute + 4, 1000)).toEqual({ ok: true })
  })

  test("headroom is the smallest remaining fraction of RPM and TPM", () => {
    const windows = new RateWindows({ rpm: 10, tpm: 1000 })
    expect(windows.headroom(0)).toBe(1)
    windows.admit(0, 200)
    windows.admit(1000, 300)
    expect(windows.headroom(1000)).toBe(0.5)
    windows.admit(2000, 0)
    windows.admit(2000, 0)
    windows.admit(2000, 0)
    windows.admit(2000, 0)
    windows.admit(2000, 0)
    windows.admit(2000, 0)
    expect(windows.headroom(2000)).toBeCloseTo(0.2)
    expect(windows.headroom(minute)).toBeCloseTo(0.3)
    expect(windows.headroom(minute + 2000)).toBe(1)
    expect(new RateWindows({ rpm: 10 }).headroom(0)).toBe(1)
  })

  test("memory stays bounded by the limit: 10 000 admits at rpm 100 keep at most 100 entries", () => {
    const windows = new RateWindows({ rpm: 100 })
    let admitted = 0
    for (let i = 0; i < 10_000; i++) {
      const t = i * 100
      if (windows.admit(t, 50).ok) {
        admitted++
        windows.settle(t + 50, 50, 40)
      }
      expect(windows.usage(t).rpm).toBeLessThanOrEqual(100)
    }
    // 100 requests in each of the 17 minutes started by t = 999 900
    expect(admitted).toBe(1700)
    expect(windows.size()).toBeLessThanOrEqual(100)
  })

  test("matches a naive model on random traffic, with exact waits", () => {
    const limits = { rpm: 7, tpm: 500, concurrency: 3 }
    const windows = new RateWindows(limits)
    interface Entry {
      readonly time: number
      tokens: number
      pending: boolean
    }
    let entries: Array<Entry> = []
    let running = 0
    let seed = 42
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
      return seed % n
    }
    const live = (now: number) => entries.filter((e) => e.time + minute > now)
    const fits = (now: number, tokens: number) => {
      const current = live(now)
      return current.length < limits.rpm && current.reduce((sum, e) => sum + e.tokens, 0) + tokens <= limits.tpm
    }
    const seen = { refused: 0, concurrency: 0, admitted: 0, corrected: 0 }
    let now = 0
    for (let step = 0; step < 5000; step++) {
      now += random(4000)
      entries = live(now)
      if (running > 0 && random(3) === 0) {
        const pending = entries.filter((e) => e.pending)
        const target = pending[random(pending.length + 1)]
        const reserved = target?.tokens ?? 1 + random(200)
        const actual = random(300)
        const match = entries.find((e) => e.pending && e.tokens === reserved)
        if (match !== undefined) {
          Object.assign(match, { tokens: actual, pending: false })
          seen.corrected++
        }
        running--
        windows.settle(now, reserved, actual)
      } else {
        const tokens = random(250)
        const admission = windows.admit(now, tokens)
        if (!fits(now, tokens)) {
          if (admission.ok) throw new Error(`admitted at ${now} against the model`)
          seen.refused++
          expect(admission.retryAfterMs).toBeGreaterThan(0)
          expect(fits(now + admission.retryAfterMs - 1, tokens)).toBe(false)
          expect(fits(now + admission.retryAfterMs, tokens)).toBe(true)
        } else if (running >= limits.concurrency) {
          expect(admission).toEqual({ ok: false, reason: "concurrency", retryAfterMs: 0 })
          seen.concurrency++
        } else {
          expect(admission).toEqual({ ok: true })
          entries.push({ time: now, tokens, pending: true })
          running++
          seen.admitted++
        }
      }
      expect(windows.inFlight()).toBe(running)
      const current = live(now)
      expect(windows.usage(now)).toEqual({
        rpm: current.length,
        tpm: current.reduce((sum, e) => sum + e.tokens, 0),
        rpd: 0
      })
    }
    expect(windows.size()).toBeLessThanOrEqual(limits.rpm)
    for (const count of Object.values(seen)) expect(count).toBeGreaterThan(100)
  })
})
