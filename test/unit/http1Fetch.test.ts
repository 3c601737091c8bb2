import type { Socket, TCPSocketListener } from "bun"
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { gzipSync } from "node:zlib"
import { Abort } from "../../src/net/Abort.ts"
import { http1Fetch, type Http1Init } from "../../src/net/http1Fetch.ts"

/**
 * A raw TCP server whose answer to each request is a script: byte pieces written with pauses between them, so
 * heads and bodies arrive split wherever a real network may split them.
 */
interface Script {
  readonly pieces: ReadonlyArray<string | Uint8Array>
  /** Close the connection after the last piece. */
  readonly close?: boolean
}

let server: TCPSocketListener<{ buffer: string; connection: number }>
let connections = 0
const requests: Array<{ connection: number; text: string }> = []
const scripts = new Map<string, Script>()
/** The server's open connections (Bun's listener does not list them). */
const open = new Set<Socket<{ buffer: string; connection: number }>>()
const openSockets = () => [...open]

const answer = async (socket: Socket<{ buffer: string; connection: number }>, text: string) => {
  const path = text.split(" ")[1]!
  const script = scripts.get(path)
  if (script === undefined) return socket.end()
  for (const piece of script.pieces) {
    socket.write(piece)
    await Bun.sleep(5)
  }
  if (script.close) socket.end()
}

beforeAll(() => {
  server = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open: (socket) => {
        socket.data = { buffer: "", connection: ++connections }
        open.add(socket)
      },
      close: (socket) => {
        open.delete(socket)
      },
      data: (socket, data) => {
        socket.data.buffer += data.toString("latin1")
        const end = socket.data.buffer.indexOf("\r\n\r\n")
        if (end < 0) return
        const head = socket.data.buffer.slice(0, end)
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0)
        if (socket.data.buffer.length < end + 4 + length) return
        const text = socket.data.buffer.slice(0, end + 4 + length)
        socket.data.buffer = socket.data.buffer.slice(end + 4 + length)
        requests.push({ connection: socket.data.connection, text })
        void answer(socket, text)
      }
    }
  })
})

afterAll(() => server.stop(true))

const base = () => `http://127.0.0.1:${server.port}`
const init = (overrides: Partial<Http1Init> = {}): Http1Init => ({
  method: "POST",
  headers: { "content-type": "application/json", authorization: "Bearer sk-test" },
  body: "{\"model\":\"m\"}",
  abort: new Abort(),
  compressed: false,
  ...overrides
})

describe("http1Fetch", () => {
  test("sends the method, path, headers and body, and reads a fixed-length answer with its headers", async () => {
    scripts.set("/fixed?x=1", { pieces: ["HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-RateLimit-Remaining-Requests: 9\r\nContent-Length: 11\r\n\r\n{\"ok\":true}"] })
    const response = await http1Fetch(`${base()}/fixed?x=1`, init({ body: "{\"text\":\"héllo\"}" }))
    expect(response.status).toBe(200)
    expect(response.ok).toBe(true)
    expect(response.headers.get("x-ratelimit-remaining-requests")).toBe("9")
    expect(response.headers.get("Content-Type")).toBe("application/json")
    expect(response.headers.get("retry-after")).toBeNull()
    expect(await response.text()).toBe("{\"ok\":true}")
    const sent = requests.at(-1)!.text
    expect(sent.startsWith("POST /fixed?x=1 HTTP/1.1\r\n")).toBe(true)
    expect(sent).toContain("authorization: Bearer sk-test\r\n")
    expect(sent).toContain(`host: 127.0.0.1:${server.port}\r\n`)
    // Bytes, not characters: é is two bytes in UTF-8.
    expect(sent).toContain("content-length: 17\r\n")
  })

  test("a UTF-8 body is decoded as a fetch Response decodes it: characters split across packets, no byte order mark", async () => {
    const bytes = Buffer.from("\ufeff{\"text\":\"héllo ✓\"}")
    scripts.set("/utf8", { pieces: [Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\ncontent-length: ${bytes.length}\r\n\r\n`), bytes])] })
    expect(await (await http1Fetch(`${base()}/utf8`, init())).text()).toBe("{\"text\":\"héllo ✓\"}")
    scripts.set("/utf8split", { pieces: [`HTTP/1.1 200 OK\r\ncontent-length: ${bytes.length}\r\n\r\n`, bytes.subarray(0, 14), bytes.subarray(14)] })
    expect(await (await http1Fetch(`${base()}/utf8split`, init())).text()).toBe("{\"text\":\"héllo ✓\"}")
  })

  test("a head and body split across packets, and a body longer than one packet, arrive whole", async () => {
    const body = "x".repeat(100_000)
    scripts.set("/split", { pieces: ["HTTP/1.1 200 OK\r\nContent-Le", `ngth: ${body.length}\r\n`, "\r\n", body.slice(0, 10), body.slice(10)] })
    const response = await http1Fetch(`${base()}/split`, init())
    expect(await response.text()).toBe(body)
  })

  test("a chunked answer with extensions and trailers, split inside chunk-size lines and CRLFs", async () => {
    scripts.set("/chunked", {
      pieces: ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r", "\nhello\r", "\n", "6\r\n wor", "ld\r\n0\r\nX-Trailer: t\r\n", "\r\n"]
    })
    const response = await http1Fetch(`${base()}/chunked`, init())
    expect(await response.text()).toBe("hello world")
  })

  test("a streamed answer is readable chunk by chunk as it arrives", async () => {
    scripts.set("/sse", { pieces: ["HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n", "7\r\ndata: 1\r\n", "7\r\ndata: 2\r\n", "0\r\n\r\n"] })
    const response = await http1Fetch(`${base()}/sse`, init())
    const reader = response.body!.getReader()
    const decoder = new TextDecoder()
    const parts: Array<string> = []
    for (let read = await reader.read(); !read.done; read = await reader.read()) parts.push(decoder.decode(read.value))
    expect(parts.join("")).toBe("data: 1data: 2")
    expect(parts.length).toBeGreaterThanOrEqual(2)
  })

  test("a request body larger than the socket takes at once is written in full, after the socket drains", async () => {
    scripts.set("/big", { pieces: ["HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"] })
    const body = JSON.stringify({ text: "é".repeat(4_000_000) })
    expect(await (await http1Fetch(`${base()}/big`, init({ body }))).text()).toBe("ok")
    const received = requests.at(-1)!.text
    expect(Buffer.byteLength(received, "latin1") - received.indexOf("\r\n\r\n") - 4).toBe(Buffer.byteLength(body))
  })

  test("a large streamed answer read slowly arrives intact (the socket pauses while the reader lags)", async () => {
    const piece = "0123456789abcdef".repeat(4096)
    const chunk = `${piece.length.toString(16)}\r\n${piece}\r\n`
    scripts.set("/flood", { pieces: ["HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n", chunk.repeat(40), "0\r\n\r\n"] })
    const response = await http1Fetch(`${base()}/flood`, init())
    const reader = response.body!.getReader()
    let size = 0
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      size += read.value.byteLength
      await Bun.sleep(1)
    }
    expect(size).toBe(piece.length * 40)
  })

  test("keep-alive: a second request reuses the connection; `connection: close` is not reused", async () => {
    scripts.set("/keep", { pieces: ["HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"] })
    await (await http1Fetch(`${base()}/keep`, init())).text()
    const first = requests.at(-1)!.connection
    await (await http1Fetch(`${base()}/keep`, init())).text()
    expect(requests.at(-1)!.connection).toBe(first)

    scripts.set("/close", { pieces: ["HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok"], close: true })
    await (await http1Fetch(`${base()}/close`, init())).text()
    const closed = requests.at(-1)!.connection
    await (await http1Fetch(`${base()}/close`, init())).text()
    expect(requests.at(-1)!.connection).not.toBe(closed)
  })

  test("a kept-alive connection the server closed meanwhile is replaced, and the request goes through", async () => {
    scripts.set("/stale", { pieces: ["HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"] })
    await (await http1Fetch(`${base()}/stale`, init())).text()
    // The server drops every idle connection without a word.
    for (const socket of openSockets()) socket.end()
    await Bun.sleep(20)
    const response = await http1Fetch(`${base()}/stale`, init())
    expect(await response.text()).toBe("ok")
  })

  test("an answer without length runs to the connection's close", async () => {
    scripts.set("/eof", { pieces: ["HTTP/1.1 200 OK\r\n\r\nall of ", "it"], close: true })
    const response = await http1Fetch(`${base()}/eof`, init())
    expect(await response.text()).toBe("all of it")
  })

  test("a connection cut before the body is complete fails the body, never a silent truncation", async () => {
    scripts.set("/cut", { pieces: ["HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npartial"], close: true })
    const response = await http1Fetch(`${base()}/cut`, init())
    await expect(response.text()).rejects.toThrow()
    scripts.set("/cutchunk", { pieces: ["HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n"], close: true })
    const chunked = await http1Fetch(`${base()}/cutchunk`, init())
    await expect(chunked.text()).rejects.toThrow()
  })

  test("interim 1xx answers are skipped; 204 has no body; error statuses come back with their body", async () => {
    scripts.set("/interim", { pieces: ["HTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nreal"] })
    expect(await (await http1Fetch(`${base()}/interim`, init())).text()).toBe("real")
    scripts.set("/empty", { pieces: ["HTTP/1.1 204 No Content\r\n\r\n"] })
    const empty = await http1Fetch(`${base()}/empty`, init())
    expect(empty.status).toBe(204)
    expect(await empty.text()).toBe("")
    scripts.set("/limited", { pieces: ["HTTP/1.1 429 Too Many Requests\r\nretry-after: 3\r\ncontent-length: 8\r\n\r\nslow now"] })
    const limited = await http1Fetch(`${base()}/limited`, init())
    expect([limited.status, limited.ok, limited.headers.get("retry-after"), await limited.text()]).toEqual([429, false, "3", "slow now"])
  })

  test("a gzip answer is decoded, and gzip is offered only when asked for", async () => {
    const zipped = gzipSync("{\"compressed\":true}")
    scripts.set("/gzip", { pieces: [`HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\ncontent-length: ${zipped.length}\r\n\r\n`, zipped] })
    const response = await http1Fetch(`${base()}/gzip`, init({ compressed: true }))
    expect(await response.text()).toBe("{\"compressed\":true}")
    expect(requests.at(-1)!.text).toContain("accept-encoding: gzip, deflate\r\n")
    await (await http1Fetch(`${base()}/keep`, init())).text()
    expect(requests.at(-1)!.text).toContain("accept-encoding: identity\r\n")
  })

  test("malformed answers and refused connections reject; header injection and https are refused before sending", async () => {
    scripts.set("/garbage", { pieces: ["SMTP ready\r\n\r\n"] })
    await expect(http1Fetch(`${base()}/garbage`, init())).rejects.toThrow("malformed")
    scripts.set("/brotli", { pieces: ["HTTP/1.1 200 OK\r\ncontent-encoding: br\r\ntransfer-encoding: chunked\r\n\r\n"] })
    await expect(http1Fetch(`${base()}/brotli`, init())).rejects.toThrow("unsupported content-encoding 'br'")
    scripts.set("/badchunk", { pieces: ["HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n"] })
    await expect((await http1Fetch(`${base()}/badchunk`, init())).text()).rejects.toThrow()
    const closedPort = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data: () => {} } })
    const port = closedPort.port
    closedPort.stop(true)
    await expect(http1Fetch(`http://127.0.0.1:${port}/x`, init())).rejects.toThrow()
    await expect(http1Fetch(`${base()}/keep`, init({ headers: { "x-evil": "a\r\nhost: elsewhere" } }))).rejects.toThrow("Invalid header")
    await expect(http1Fetch(`https://127.0.0.1:${server.port}/keep`, init())).rejects.toThrow("plain HTTP only")
  })

  test("an abort before the answer closes the connection and rejects; after it, the body fails", async () => {
    scripts.set("/hang", { pieces: [] })
    const controller = new Abort()
    const pending = http1Fetch(`${base()}/hang`, init({ abort: controller }))
    await Bun.sleep(20)
    const before = openSockets().length
    controller.abort("client")
    await expect(pending).rejects.toBe("client")
    await Bun.sleep(20)
    expect(openSockets().length).toBe(before - 1)

    scripts.set("/slowbody", { pieces: ["HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n", "3\r\none\r\n"] })
    const midway = new Abort()
    const response = await http1Fetch(`${base()}/slowbody`, init({ abort: midway }))
    const reader = response.body!.getReader()
    await reader.read()
    midway.abort("client")
    await expect(reader.read()).rejects.toBe("client")
  })
})
