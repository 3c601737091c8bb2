import { describe, expect, test } from "bun:test"
import { Abort } from "../../src/net/Abort.ts"

describe("Abort", () => {
  test("the first abort wins and calls the listener once; a removed listener is not called", () => {
    const abort = new Abort()
    const calls: Array<unknown> = []
    abort.listen(() => calls.push(abort.reason))
    abort.abort("timeout")
    abort.abort("client")
    expect([abort.aborted, abort.reason, calls]).toEqual([true, "timeout", ["timeout"]])
    const quiet = new Abort()
    quiet.listen(() => calls.push("never"))
    quiet.listen(undefined)
    quiet.abort("client")
    expect(calls).toEqual(["timeout"])
  })

  test("its signal follows it, whether it aborts later or already has", () => {
    const later = new Abort()
    const signal = later.signal()
    expect(signal.aborted).toBe(false)
    later.abort("total")
    expect([signal.aborted, signal.reason]).toEqual([true, "total"])
    const already = new Abort()
    already.abort("client")
    expect(already.signal().reason).toBe("client")
  })
})
