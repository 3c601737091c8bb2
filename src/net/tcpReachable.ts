export type Reachability = "open" | "refused" | "timeout"

/** Opens a TCP connection and calls back once: `open` on success, `refused` on any error. Returns a way to close it. */
export type Connect = (hostname: string, port: number, done: (outcome: "open" | "refused") => void) => () => void

const bunConnect: Connect = (hostname, port, done) => {
  let socket: { end: () => void } | undefined
  let closed = false
  Bun.connect({
    hostname,
    port,
    socket: {
      open: (opened) => {
        socket = opened
        if (closed) opened.end()
        done("open")
      },
      connectError: () => done("refused"),
      data: () => {}
    }
  }).catch(() => done("refused"))
  return () => {
    closed = true
    socket?.end()
  }
}

/**
 * Whether `hostname:port` accepts a TCP connection within `timeoutMs` (the connection is closed at once). Bun's
 * fetch has no connect timeout of its own: this tells an unreachable upstream from a slow one.
 */
export const tcpReachable = (hostname: string, port: number, timeoutMs: number, connect: Connect = bunConnect): Promise<Reachability> =>
  new Promise((resolve) => {
    let settled = false
    const finish = (outcome: Reachability) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      close()
      resolve(outcome)
    }
    const timer = setTimeout(finish, timeoutMs, "timeout")
    const close = connect(hostname, port, finish)
  })
