import { afterAll, describe, expect, test } from "bun:test"
import { type Connect, tcpReachable } from "../../src/net/tcpReachable.ts"

const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data: () => {}, open: () => {} } })
afterAll(() => listener.stop(true))

describe("tcpReachable", () => {
  test("a listening port is open", async () => {
    expect(await tcpReachable("127.0.0.1", listener.port, 5000)).toBe("open")
  })

  test("a closed port is refused, not timed out", async () => {
    const spare = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data: () => {} } })
    const port = spare.port
    spare.stop(true)
    expect(await tcpReachable("127.0.0.1", port, 5000)).toBe("refused")
  })

  test("a handshake that never completes times out, and its attempt is closed", async () => {
    let closed = false
    const silent: Connect = () => () => { closed = true }
    expect(await tcpReachable("192.0.2.1", 443, 30, silent)).toBe("timeout")
    expect(closed).toBe(true)
  })
})
