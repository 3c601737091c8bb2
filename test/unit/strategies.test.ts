import { describe, expect, test } from "bun:test"
import { makePicker } from "../../src/domain/pool/makePicker.ts"
import type { Picker, Strategy, TargetView } from "../../src/domain/pool/strategies/Picker.ts"

const view = (overrides: Partial<TargetView> = {}): TargetView => ({
  weight: 1,
  inFlight: 0,
  concurrency: undefined,
  latencyMs: undefined,
  headroom: 1,
  ...overrides
})

const weights = (...ws: Array<number>) => ws.map((weight) => view({ weight }))
const all = (views: ReadonlyArray<TargetView>) => views.map(() => true)

const picks = (picker: Picker, views: ReadonlyArray<TargetView>, n: number, available = all(views)) =>
  Array.from({ length: n }, () => picker.pick(views, available))

const counts = (chosen: ReadonlyArray<number | undefined>, size: number) => {
  const result = Array.from({ length: size }, () => 0)
  for (const i of chosen) if (i !== undefined) result[i]!++
  return result
}

// mulberry32: a small seeded generator, so the random strategy's tests are reproducible.
const seeded = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const strategies: ReadonlyArray<Strategy> = ["weighted", "priority", "random", "least-busy", "latency", "headroom"]

describe("every strategy", () => {
  test.each(strategies)("%s: undefined when nothing is available", (strategy) => {
    const picker = makePicker(strategy, seeded(1))
    expect(picker.pick([], [])).toBeUndefined()
    expect(picker.pick(weights(1, 2, 3), [false, false, false])).toBeUndefined()
  })

  test.each(strategies)("%s: never picks an unavailable candidate", (strategy) => {
    const picker = makePicker(strategy, seeded(2))
    const views = [view({ weight: 5, latencyMs: 1, headroom: 1 }), view({ latencyMs: 500, headroom: 0.1 }), view()]
    for (const chosen of picks(picker, views, 50, [false, true, true])) expect(chosen === 1 || chosen === 2).toBe(true)
  })
})

describe("weighted", () => {
  test("nginx's example: weights 5, 1, 1 spread evenly as a a b a c a a", () => {
    expect(picks(makePicker("weighted"), weights(5, 1, 1), 14)).toEqual([0, 0, 1, 0, 2, 0, 0, 0, 0, 1, 0, 2, 0, 0])
  })

  test.each([[[5, 1, 1]], [[3, 2]], [[1, 1, 1]], [[7, 3, 2, 1]], [[10, 1]], [[2, 3, 5, 7]]])(
    "weights %p: exact shares every cycle, within ±1 of the ideal at every pick",
    (ws) => {
      const views = weights(...ws)
      const total = ws.reduce((a, b) => a + b, 0)
      const chosen = picks(makePicker("weighted"), views, total * 4)
      for (let cycle = 0; cycle < 4; cycle++) {
        expect(counts(chosen.slice(cycle * total, (cycle + 1) * total), ws.length)).toEqual(ws)
      }
      for (let n = 1; n <= chosen.length; n++) {
        const sofar = counts(chosen.slice(0, n), ws.length)
        ws.forEach((w, i) => expect(Math.abs(sofar[i]! - (n * w) / total)).toBeLessThan(1))
      }
    }
  )

  test("an unavailable candidate is skipped; shares are exact again from the cycle after it returns", () => {
    const picker = makePicker("weighted")
    const views = weights(2, 1, 1)
    picks(picker, views, 4)
    const without = picks(picker, views, 6, [true, false, true])
    expect(counts(without, 3)).toEqual([4, 0, 2])
    picks(picker, views, 4)
    for (let cycle = 0; cycle < 3; cycle++) expect(counts(picks(picker, views, 4), 3)).toEqual([2, 1, 1])
  })
})

describe("priority", () => {
  test("always the first in order while it is available", () => {
    expect(picks(makePicker("priority"), weights(1, 9, 9), 5)).toEqual([0, 0, 0, 0, 0])
  })

  test("falls through to the next available in order", () => {
    const picker = makePicker("priority")
    const views = weights(1, 1, 1)
    expect(picker.pick(views, [false, true, true])).toBe(1)
    expect(picker.pick(views, [false, false, true])).toBe(2)
    expect(picker.pick(views, [true, false, true])).toBe(0)
  })
})

describe("random", () => {
  test("shares follow the weights with a seeded generator", () => {
    const n = 40_000
    const shares = counts(picks(makePicker("random", seeded(42)), weights(6, 3, 1), n), 3).map((c) => c / n)
    shares.forEach((share, i) => expect(Math.abs(share - [0.6, 0.3, 0.1][i]!)).toBeLessThan(0.01))
  })

  test("unavailable weight is left out of the draw", () => {
    const n = 20_000
    const chosen = picks(makePicker("random", seeded(7)), weights(1, 8, 1), n, [true, false, true])
    const shares = counts(chosen, 3).map((c) => c / n)
    expect(shares[1]).toBe(0)
    expect(Math.abs(shares[0]! - 0.5)).toBeLessThan(0.015)
  })

  test("maps the draw onto the weights in order", () => {
    const draw = (r: number) => makePicker("random", () => r).pick(weights(1, 3), [true, true])
    expect(draw(0)).toBe(0)
    expect(draw(0.24)).toBe(0)
    expect(draw(0.25)).toBe(1)
    expect(draw(0.999999999)).toBe(1)
  })

  test("a draw just under 1 that float rounding carries past every weight lands on the last available", () => {
    // (1 - ε/2) × (0.1 + 0.2 + 0.3) − 0.1 − 0.2 − 0.3 comes out at exactly 0, not below it.
    const picker = makePicker("random", () => 1 - Number.EPSILON / 2)
    expect(picker.pick(weights(0.1, 0.2, 0.3, 5), [true, true, true, false])).toBe(2)
  })
})

describe("least-busy", () => {
  test("compares utilisation when every candidate has a concurrency limit", () => {
    const views = [view({ concurrency: 10, inFlight: 2 }), view({ concurrency: 2, inFlight: 1 })]
    expect(makePicker("least-busy").pick(views, all(views))).toBe(0)
  })

  test("compares raw in-flight counts when any candidate is unlimited", () => {
    const views = [view({ inFlight: 3 }), view({ concurrency: 10, inFlight: 2 })]
    expect(makePicker("least-busy").pick(views, all(views))).toBe(1)
  })

  test("only the available candidates decide the scale", () => {
    const views = [view({ inFlight: 0 }), view({ concurrency: 10, inFlight: 2 }), view({ concurrency: 2, inFlight: 1 })]
    expect(makePicker("least-busy").pick(views, [false, true, true])).toBe(1)
  })

  test("under uneven in-flight counts, fills candidates in proportion to their limits", () => {
    const picker = makePicker("least-busy")
    let views = [view({ concurrency: 4, inFlight: 3 }), view({ concurrency: 8 }), view({ concurrency: 4, inFlight: 1 })]
    for (let n = 0; n < 12; n++) {
      const chosen = picker.pick(views, all(views))!
      views = views.map((v, i) => i === chosen ? { ...v, inFlight: v.inFlight + 1 } : v)
    }
    expect(views.map((v) => v.inFlight)).toEqual([4, 8, 4])
  })

  test("equal candidates share traffic by weighted round robin", () => {
    expect(picks(makePicker("least-busy"), weights(1, 1), 4)).toEqual([0, 1, 0, 1])
    expect(counts(picks(makePicker("least-busy"), weights(2, 1), 9), 2)).toEqual([6, 3])
  })
})

describe("latency", () => {
  test("the lowest EWMA wins", () => {
    const views = [view({ latencyMs: 120 }), view({ latencyMs: 80 }), view({ latencyMs: 200 })]
    expect(picks(makePicker("latency"), views, 3)).toEqual([1, 1, 1])
  })

  test("an unmeasured candidate is tried first", () => {
    const views = [view({ latencyMs: 100 }), view(), view({ latencyMs: 50 })]
    expect(makePicker("latency").pick(views, all(views))).toBe(1)
  })

  test("an unmeasured candidate whose probe is in flight waits behind the measured ones", () => {
    const views = [view({ latencyMs: 100 }), view({ inFlight: 1 }), view({ latencyMs: 50 })]
    expect(makePicker("latency").pick(views, all(views))).toBe(2)
  })

  test("when nothing is measured yet, candidates share round robin, probes in flight or not", () => {
    expect(picks(makePicker("latency"), weights(1, 1, 1), 3)).toEqual([0, 1, 2])
    const probing = [view({ inFlight: 1 }), view({ inFlight: 2 })]
    expect(picks(makePicker("latency"), probing, 4)).toEqual([0, 1, 0, 1])
  })

  test("every candidate gets measured, then the fastest takes the traffic", () => {
    const picker = makePicker("latency")
    const measured = [300, 90, 150]
    let views = weights(1, 1, 1)
    const chosen: Array<number> = []
    for (let n = 0; n < 6; n++) {
      const i = picker.pick(views, all(views))!
      chosen.push(i)
      views = views.map((v, j) => j === i ? { ...v, latencyMs: measured[j] } : v)
    }
    expect(chosen).toEqual([0, 1, 2, 1, 1, 1])
  })

  test("equal latencies share round robin", () => {
    const views = [view({ latencyMs: 70 }), view({ latencyMs: 90 }), view({ latencyMs: 70 })]
    expect(picks(makePicker("latency"), views, 4)).toEqual([0, 2, 0, 2])
  })
})

describe("headroom", () => {
  test("the most headroom wins", () => {
    const views = [view({ headroom: 0.2 }), view({ headroom: 0.9 }), view({ headroom: 0.5 })]
    expect(picks(makePicker("headroom"), views, 3)).toEqual([1, 1, 1])
    expect(makePicker("headroom").pick(views, [true, false, true])).toBe(2)
  })

  test("ties share by weighted round robin", () => {
    expect(picks(makePicker("headroom"), weights(1, 1, 1), 6)).toEqual([0, 1, 2, 0, 1, 2])
    const views = [view({ weight: 3, headroom: 0.4 }), view({ headroom: 0.4 }), view({ headroom: 0.1 })]
    expect(counts(picks(makePicker("headroom"), views, 8), 3)).toEqual([6, 2, 0])
  })
})
