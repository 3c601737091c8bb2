import { describe, expect, test } from "bun:test"
import { Allowance } from "../../src/domain/limits/Allowance.ts"
import { periodBounds } from "../../src/domain/limits/periodBounds.ts"
import { worstCase } from "../../src/domain/limits/worstCase.ts"

const at = (iso: string) => Date.parse(iso)

describe("Allowance (admission by reservation)", () => {
  test("of 200 concurrent reservations against a budget that fits 50, exactly 50 are admitted", () => {
    const now = at("2026-03-10T12:00:00Z")
    // $5 and $0.10 in nano-dollars, as the Budget service counts them
    const budget = new Allowance(5e9, "monthly", now)
    const holds = Array.from({ length: 200 }, () => budget.reserve(1e8, now))
    expect(holds.filter((hold) => hold !== undefined)).toHaveLength(50)
    expect(budget.status(now)).toMatchObject({ spent: 0, reserved: 5e9, remaining: 0 })
  })

  test("settling releases the hold and charges the real cost; what is left can be reserved again", () => {
    const now = at("2026-03-10T12:00:00Z")
    const budget = new Allowance(1, "daily", now)
    const first = budget.reserve(0.6, now)!
    expect(budget.reserve(0.6, now)).toBeUndefined()
    budget.settle(first, 0.2, now)
    expect(budget.status(now)).toMatchObject({ spent: 0.2, reserved: 0, remaining: 0.8 })
    expect(budget.reserve(0.6, now)).toBeDefined()
    expect(budget.reserve(0.3, now)).toBeUndefined()
  })

  test("an error or abort settles to 0 and gives the whole hold back", () => {
    const now = 1_000
    const budget = new Allowance(1, "total", now)
    const hold = budget.reserve(1, now)!
    budget.settle(hold, 0, now)
    expect(budget.status(now)).toMatchObject({ spent: 0, reserved: 0, remaining: 1 })
  })

  test("the settled total never exceeds the limit when every cost is within its hold", () => {
    const now = at("2026-03-10T12:00:00Z")
    const budget = new Allowance(3, "weekly", now)
    let settled = 0
    for (let round = 0; round < 100; round++) {
      const holds = Array.from({ length: 7 }, () => budget.reserve(0.5, now)).filter((hold) => hold !== undefined)
      for (const hold of holds) {
        const cost = hold.amount * ((round * 7) % 10) / 10
        budget.settle(hold, cost, now)
        settled += cost
      }
    }
    expect(settled).toBeLessThanOrEqual(3 + 1e-9)
    expect(budget.status(now).spent).toBeCloseTo(settled, 9)
  })

  test("spend rebuilt from the ledger counts against the limit", () => {
    const budget = new Allowance(10, "monthly", 0, 9.5)
    expect(budget.reserve(1, 0)).toBeUndefined()
    expect(budget.reserve(0.5, 0)).toBeDefined()
  })

  test("a period rolls over on its UTC calendar boundary; a request is charged to the period it started in", () => {
    const budget = new Allowance(1, "daily", at("2026-03-10T23:59:00Z"))
    const late = budget.reserve(0.5, at("2026-03-10T23:59:30Z"))!
    budget.settle(budget.reserve(0.4, at("2026-03-10T23:59:31Z"))!, 0.4, at("2026-03-10T23:59:32Z"))
    expect(budget.reserve(0.5, at("2026-03-10T23:59:40Z"))).toBeUndefined()
    // Next day: spending starts again, while the hold still in flight stays reserved until it settles.
    const next = at("2026-03-11T00:00:01Z")
    expect(budget.status(next)).toMatchObject({ spent: 0, reserved: 0.5, resetsAt: at("2026-03-12T00:00:00Z") })
    budget.settle(late, 0.5, next)
    expect(budget.status(next)).toMatchObject({ spent: 0, reserved: 0, remaining: 1 })
  })
})

describe("periodBounds (UTC calendar)", () => {
  const now = at("2026-03-11T15:30:00Z") // a Wednesday
  test.each([
    ["daily", "2026-03-11T00:00:00Z", "2026-03-12T00:00:00Z"],
    ["weekly", "2026-03-09T00:00:00Z", "2026-03-16T00:00:00Z"],
    ["monthly", "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"]
  ] as const)("%s", (period, start, end) => {
    expect(periodBounds(period, now)).toEqual({ start: at(start), end: at(end) })
  })
  test("weeks start on Monday, a Sunday included", () => {
    expect(periodBounds("weekly", at("2026-03-15T23:00:00Z")).start).toBe(at("2026-03-09T00:00:00Z"))
    expect(periodBounds("weekly", at("2026-03-16T00:00:00Z")).start).toBe(at("2026-03-16T00:00:00Z"))
  })
  test("December rolls into the next year; total never rolls", () => {
    expect(periodBounds("monthly", at("2026-12-31T23:59:59Z")).end).toBe(at("2027-01-01T00:00:00Z"))
    expect(periodBounds("total", now)).toEqual({ start: 0, end: null })
  })
})

describe("worstCase", () => {
  const price = { inputPerMtok: 2, outputPerMtok: 10 }
  test("prompt at the input price plus the request's max_tokens at the output price, the dearest target wins", () => {
    const cheap = { inputPerMtok: 1, outputPerMtok: 1 }
    expect(worstCase([cheap, price], { promptTokens: 1000, maxTokens: 100, generates: true })).toEqual({ usd: (2000 + 1000) / 1e6, tokens: 1100 })
  })
  test("without max_tokens: the model's output limit, else 16384", () => {
    expect(worstCase([{ ...price, maxOutputTokens: 500 }], { promptTokens: 0, maxTokens: 0, generates: true })).toEqual({ usd: 5000 / 1e6, tokens: 500 })
    expect(worstCase([price], { promptTokens: 0, maxTokens: 0, generates: true }).tokens).toBe(16_384)
  })
  test("embeddings generate nothing; an unpriced target adds tokens but no price", () => {
    expect(worstCase([price], { promptTokens: 10, maxTokens: 0, generates: false })).toEqual({ usd: 20 / 1e6, tokens: 10 })
    expect(worstCase([undefined], { promptTokens: 10, maxTokens: 5, generates: true })).toEqual({ usd: 0, tokens: 15 })
  })
})
