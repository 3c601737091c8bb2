import { describe, expect, test } from "bun:test"
import { watchAbort } from "../../src/net/watchAbort.ts"

describe("watchAbort", () => {
  test("an aborted signal is noticed within the polling interval, once; stopped and untouched watches are not called", async () => {
    const calls: Array<string> = []
    const signals = ["a", "b", "c", "d"].map((name) => ({ name, controller: new AbortController() }))
    const watches = signals.map(({ name, controller }) => watchAbort(controller.signal, () => calls.push(name)))
    // Removal from the middle of the list keeps the others watched.
    watches[1]!.stop()
    for (const { controller } of signals.slice(0, 3)) controller.abort()
    const abortedAt = performance.now()
    while (calls.length < 2 && performance.now() - abortedAt < 500) await Bun.sleep(1)
    expect(performance.now() - abortedAt).toBeLessThan(100)
    await Bun.sleep(60)
    expect(calls.sort()).toEqual(["a", "c"])
    watches[3]!.stop()
  })
})
