import { describe, expect, test } from "bun:test"
import { CircuitBreaker, defaultCircuitOptions } from "../../src/domain/pool/CircuitBreaker.ts"

const options = { consecutiveFailures: 3, errorRate: 0.5, minRequests: 6, windowMs: 10_000, openMs: 5000 }

const failTimes = (breaker: CircuitBreaker, times: ReadonlyArray<number>) => {
  for (const t of times) breaker.failure(t)
}

describe("CircuitBreaker", () => {
  test("defaults", () => {
    expect(defaultCircuitOptions).toEqual({
      consecutiveFailures: 5,
      errorRate: 0.5,
      minRequests: 10,
      windowMs: 30_000,
      openMs: 15_000
    })
    const breaker = new CircuitBreaker()
    failTimes(breaker, [0, 1, 2, 3])
    expect(breaker.state(3)).toBe("closed")
    breaker.failure(4)
    expect(breaker.openedUntil(4)).toBe(15_004)
  })

  test("closed lets everything through", () => {
    const breaker = new CircuitBreaker(options)
    expect(breaker.state(0)).toBe("closed")
    for (let t = 0; t < 100; t++) expect(breaker.allow(t)).toBe(true)
    expect(breaker.openedUntil(100)).toBeUndefined()
  })

  test("opens on N consecutive failures; a success in between resets the count", () => {
    const breaker = new CircuitBreaker(options)
    failTimes(breaker, [0, 1])
    breaker.success(2)
    failTimes(breaker, [3, 4])
    expect(breaker.state(4)).toBe("closed")
    breaker.failure(5)
    expect(breaker.state(5)).toBe("open")
    expect(breaker.allow(5)).toBe(false)
    expect(breaker.openedUntil(5)).toBe(5005)
  })

  test("stays open for openMs, then half-open lets exactly one probe through", () => {
    const breaker = new CircuitBreaker(options)
    failTimes(breaker, [0, 0, 1000])
    expect(breaker.allow(5999)).toBe(false)
    expect(breaker.state(5999)).toBe("open")
    expect(breaker.state(6000)).toBe("half-open")
    expect(breaker.openedUntil(6000)).toBeUndefined()
    expect(breaker.allow(6000)).toBe(true)
    expect(breaker.allow(6000)).toBe(false)
    expect(breaker.allow(8000)).toBe(false)
    expect(breaker.state(8000)).toBe("half-open")
  })

  test("a successful probe closes the circuit and clears the window", () => {
    const breaker = new CircuitBreaker(options)
    failTimes(breaker, [0, 1, 2])
    expect(breaker.allow(5002)).toBe(true)
    breaker.success(5100)
    expect(breaker.state(5100)).toBe("closed")
    expect(breaker.allow(5100)).toBe(true)
    expect(breaker.allow(5100)).toBe(true)
    // the failures before the probe are forgotten: two more do not open it
    failTimes(breaker, [5200, 5300])
    expect(breaker.state(5300)).toBe("closed")
  })

  test("a failed probe re-opens for openMs", () => {
    const breaker = new CircuitBreaker(options)
    failTimes(breaker, [0, 1, 2])
    expect(breaker.allow(5002)).toBe(true)
    breaker.failure(6000)
    expect(breaker.state(6000)).toBe("open")
    expect(breaker.openedUntil(6000)).toBe(11_000)
    expect(breaker.allow(10_999)).toBe(false)
    expect(breaker.allow(11_000)).toBe(true)
    expect(breaker.allow(11_000)).toBe(false)
  })

  test("a probe whose outcome never comes is replaced after openMs", () => {
    const breaker = new CircuitBreaker(options)
    failTimes(breaker, [0, 1, 2])
    expect(breaker.allow(5002)).toBe(true)
    expect(breaker.allow(10_001)).toBe(false)
    expect(breaker.allow(10_002)).toBe(true)
    expect(breaker.allow(10_003)).toBe(false)
  })

  test("outcomes reported while open are ignored", () => {
    const breaker = new CircuitBreaker(options)
    failTimes(breaker, [0, 1, 2])
    breaker.success(100)
    breaker.failure(200)
    expect(breaker.state(200)).toBe("open")
    expect(breaker.openedUntil(200)).toBe(5002)
  })

  test("opens when the failure fraction over the window reaches errorRate after minRequests", () => {
    const breaker = new CircuitBreaker(options)
    breaker.success(0)
    breaker.success(1000)
    breaker.failure(2000)
    breaker.success(3000)
    breaker.success(4000)
    breaker.failure(5000)
    expect(breaker.state(5000)).toBe("closed") // 2 of 6
    breaker.failure(10_500)
    // the success at 0 has left the 10 s window: 3 failures of 6
    expect(breaker.state(10_500)).toBe("open")
    expect(breaker.openedUntil(10_500)).toBe(15_500)
  })

  test("below minRequests or below errorRate it stays closed", () => {
    const breaker = new CircuitBreaker(options)
    breaker.failure(0)
    breaker.failure(1)
    breaker.success(2)
    breaker.failure(3)
    breaker.failure(4)
    expect(breaker.state(4)).toBe("closed") // 4 of 5: too few outcomes
    const mostlyFine = new CircuitBreaker(options)
    for (let t = 0; t < 100; t++) {
      if (t % 3 === 0) mostlyFine.failure(t)
      else mostlyFine.success(t)
    }
    expect(mostlyFine.state(100)).toBe("closed")
  })

  test("the window slides exactly: an outcome counts for [t, t + windowMs)", () => {
    const outcomesUntil = (last: number) => {
      const breaker = new CircuitBreaker(options)
      breaker.failure(0)
      breaker.success(1)
      breaker.failure(2)
      breaker.success(3)
      breaker.success(4)
      breaker.failure(last)
      return breaker.state(last)
    }
    expect(outcomesUntil(9_999)).toBe("open") // 3 failures of 6
    expect(outcomesUntil(10_000)).toBe("closed") // the failure at 0 left: 5 outcomes
  })

  test("many outcomes in the same millisecond count one by one", () => {
    const breaker = new CircuitBreaker({ ...options, consecutiveFailures: 1000 })
    for (let i = 0; i < 50; i++) breaker.success(7)
    for (let i = 0; i < 49; i++) breaker.failure(7)
    expect(breaker.state(7)).toBe("closed")
    breaker.failure(7)
    expect(breaker.state(7)).toBe("open")
  })
})
