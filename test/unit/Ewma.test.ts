import { describe, expect, test } from "bun:test"
import { Ewma } from "../../src/domain/pool/Ewma.ts"

describe("Ewma", () => {
  test("undefined until the first sample, which is taken as is", () => {
    const ewma = new Ewma()
    expect(ewma.value()).toBeUndefined()
    ewma.add(120)
    expect(ewma.value()).toBe(120)
  })

  test("an old value's weight halves every halfLifeSamples samples", () => {
    const ewma = new Ewma(10)
    ewma.add(0)
    for (let i = 0; i < 10; i++) ewma.add(100)
    expect(ewma.value()).toBeCloseTo(50, 9)
    for (let i = 0; i < 10; i++) ewma.add(100)
    expect(ewma.value()).toBeCloseTo(75, 9)
  })

  test("a shorter half-life follows changes faster", () => {
    const quick = new Ewma(1)
    quick.add(0)
    quick.add(100)
    expect(quick.value()).toBeCloseTo(50, 9)
    quick.add(100)
    expect(quick.value()).toBeCloseTo(75, 9)
  })

  test("a constant input stays constant", () => {
    const ewma = new Ewma(3)
    for (let i = 0; i < 100; i++) ewma.add(42)
    expect(ewma.value()).toBeCloseTo(42, 9)
  })

  test("non-finite samples are ignored", () => {
    const ewma = new Ewma()
    ewma.add(Number.NaN)
    expect(ewma.value()).toBeUndefined()
    ewma.add(10)
    ewma.add(Infinity)
    expect(ewma.value()).toBe(10)
  })
})
