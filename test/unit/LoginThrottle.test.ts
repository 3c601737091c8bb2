import { describe, expect, test } from "bun:test"
import { LoginThrottle } from "../../src/domain/LoginThrottle.ts"

describe("LoginThrottle", () => {
  test("five failures in the window refuse further attempts until the oldest leaves it", () => {
    const throttle = new LoginThrottle(5, 60_000)
    for (let i = 0; i < 4; i++) throttle.failed("a@example.com", i * 1000)
    expect(throttle.waitMs("a@example.com", 4500)).toBe(0)
    throttle.failed("a@example.com", 5000)
    expect(throttle.waitMs("a@example.com", 5000)).toBe(55_000)
    expect(throttle.waitMs("a@example.com", 59_999)).toBe(1)
    expect(throttle.waitMs("a@example.com", 60_000)).toBe(0)
    expect(throttle.waitMs("b@example.com", 5000)).toBe(0)
  })

  test("a success forgets the failures", () => {
    const throttle = new LoginThrottle(2, 60_000)
    throttle.failed("a@example.com", 0)
    throttle.succeeded("a@example.com")
    throttle.failed("a@example.com", 1)
    expect(throttle.waitMs("a@example.com", 2)).toBe(0)
  })

  test("memory stays bounded: past the limit the oldest email is forgotten", () => {
    const throttle = new LoginThrottle(1, 60_000, 3)
    for (const email of ["a", "b", "c", "d"]) throttle.failed(email, 0)
    expect(throttle.waitMs("a", 1)).toBe(0)
    expect(throttle.waitMs("d", 1)).toBe(60_000 - 1)
  })
})
