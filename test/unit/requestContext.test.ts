import { describe, expect, test } from "bun:test"
import { secretOf } from "../../src/http/requestContext.ts"

describe("secretOf", () => {
  test("the key after a Bearer prefix in any case and spacing, else the header as given, else x-api-key", () => {
    const of = (headers: Record<string, string>) => secretOf(new Headers(headers))
    expect(of({ authorization: "Bearer sk-1" })).toBe("sk-1")
    expect(of({ authorization: "bearer\tsk-2" })).toBe("sk-2")
    expect(of({ authorization: "BEARER   sk-3 " })).toBe("sk-3")
    expect(of({ authorization: "sk-4" })).toBe("sk-4")
    expect(of({ "x-api-key": "sk-5" })).toBe("sk-5")
    expect(of({})).toBeUndefined()
  })
})
