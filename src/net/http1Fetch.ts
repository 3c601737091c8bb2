import type { Socket } from "bun"
import type { Abort } from "./Abort.ts"
import { type Origin, originFor, requestText } from "./http1Request.ts"
import { Http1Response } from "./Http1Response.ts"
import { RawHeaders } from "./RawHeaders.ts"
import type { UpstreamResponse } from "./UpstreamResponse.ts"

/** What `http1Fetch` sends: the part of fetch's init the gateway uses, with headers as a plain record. */
export interface Http1Init {
  readonly method: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string | undefined
  readonly abort: Abort
  /** Whether to offer gzip and deflate: worth it for whole answers, not for streams relayed as they arrive. */
  readonly compressed: boolean
}

const enum Phase { Head, Fixed, ChunkSize, ChunkData, ChunkEnd, Trailers, UntilClose, Done }

/** One request on one connection: the response parser's state, and where the response goes. */
interface Exchange {
  readonly payload: string
  /** The payload's length in bytes. */
  readonly bytes: number
  readonly init: Http1Init
  readonly origin: Origin
  readonly resolve: (response: UpstreamResponse) => void
  readonly reject: (cause: unknown) => void
  readonly onAbort: () => void
  phase: Phase
  /** Bytes not yet parsed: part of the head, a chunk-size line, or a trailer. */
  pending: Buffer | Uint8Array | undefined
  /** Body bytes left in a fixed-length body or in the current chunk. */
  remaining: number
  keepAlive: boolean
  /** Whether any byte of the answer arrived (a reused connection that closes before one is retried once). */
  received: boolean
  retried: boolean
  body: ReadableStreamDefaultController<Uint8Array> | undefined
  answered: boolean
  /** The connection it is on (or waiting for). */
  connection: Connection | undefined
}

interface Connection {
  socket: Socket<Connection> | undefined
  readonly origin: Origin
  exchange: Exchange | undefined
  /** Whether it has served an exchange before (so the server may have closed it meanwhile). */
  reused: boolean
  closed: boolean
  /** The request's bytes the socket did not take yet, written on `drain`. */
  unsent: Uint8Array | undefined
}

/** Idle keep-alive connections by origin, the most recently used last. */
const idle = new Map<string, Array<Connection>>()
const maxIdlePerOrigin = 512
const maxHeadBytes = 64 * 1024
const idleSeconds = 60
const encoder = new TextEncoder()

/**
 * fetch for one plain-HTTP/1.1 exchange, on the calling thread: Bun's fetch runs on an HTTP client thread, and
 * the hop to it and back costs a proxied request more CPU than the rest of its network I/O. Keep-alive
 * connections are pooled per host; bodies may be fixed-length, chunked or close-delimited, gzip or deflate. The
 * answer's body streams (paused while its reader lags); a body that arrived with its head is handed over whole.
 * https stays with Bun's fetch, whose certificate and host name checks Bun.connect's TLS client has not always
 * matched.
 */
export const http1Fetch = (url: string, init: Http1Init): Promise<UpstreamResponse> =>
  new Promise<UpstreamResponse>((resolve, reject) => {
    if (init.abort.aborted) return reject(init.abort.reason)
    const origin = originFor(url)
    const { payload, bytes } = requestText(origin, init)
    const exchange: Exchange = {
      payload,
      bytes,
      init,
      origin,
      resolve,
      reject,
      onAbort: () => abort(exchange),
      phase: Phase.Head,
      pending: undefined,
      remaining: 0,
      keepAlive: true,
      received: false,
      retried: false,
      body: undefined,
      answered: false,
      connection: undefined
    }
    init.abort.listen(exchange.onAbort)
    start(exchange)
  })

const start = (exchange: Exchange) => {
  const pool = idle.get(exchange.origin.key)
  while (pool !== undefined && pool.length > 0) {
    const connection = pool.pop()!
    if (connection.closed || connection.socket === undefined) continue
    connection.socket.timeout(0)
    return send(connection, exchange)
  }
  const { origin } = exchange
  const connection: Connection = { socket: undefined, origin, exchange, reused: false, closed: false, unsent: undefined }
  exchange.connection = connection
  Bun.connect<Connection>({
    hostname: origin.hostname,
    port: origin.port,
    data: connection,
    socket: handlers
  }).catch((cause: unknown) => {
    connection.closed = true
    if (connection.exchange === exchange) fail(connection, exchange, cause)
  })
}

const send = (connection: Connection, exchange: Exchange) => {
  connection.exchange = exchange
  exchange.connection = connection
  const written = connection.socket!.write(exchange.payload)
  if (written < exchange.bytes) connection.unsent = encoder.encode(exchange.payload).subarray(Math.max(0, written))
}

const handlers = {
  open: (socket: Socket<Connection>) => {
    const connection = socket.data
    connection.socket = socket
    socket.setNoDelay(true)
    const { exchange } = connection
    if (exchange === undefined || exchange.phase === Phase.Done) socket.end()
    else send(connection, exchange)
  },
  drain: (socket: Socket<Connection>) => {
    const connection = socket.data
    const unsent = connection.unsent
    if (unsent === undefined) return
    const written = socket.write(unsent)
    connection.unsent = written < unsent.length ? unsent.subarray(Math.max(0, written)) : undefined
  },
  data: (socket: Socket<Connection>, data: Buffer) => {
    const connection = socket.data
    const exchange = connection.exchange
    if (exchange === undefined) {
      // Bytes on an idle connection: not a response to anything we sent, so the connection is out of step.
      connection.closed = true
      socket.terminate()
      return
    }
    exchange.received = true
    try {
      parse(connection, exchange, data)
    } catch (cause) {
      fail(connection, exchange, cause)
    }
  },
  timeout: (socket: Socket<Connection>) => {
    socket.data.closed = true
    socket.end()
  },
  error: (socket: Socket<Connection>, error: Error) => {
    const connection = socket.data
    connection.closed = true
    if (connection.exchange !== undefined) closed(connection, connection.exchange, error)
  },
  close: (socket: Socket<Connection>, error?: Error) => {
    const connection = socket.data
    connection.closed = true
    if (connection.exchange !== undefined) closed(connection, connection.exchange, error)
  },
  connectError: (socket: Socket<Connection>, error: Error) => {
    const connection = socket.data
    connection.closed = true
    if (connection.exchange !== undefined) fail(connection, connection.exchange, error)
  }
}

/** The connection ended while an exchange was on it. */
const closed = (connection: Connection, exchange: Exchange, error: Error | undefined) => {
  if (exchange.phase === Phase.UntilClose) return finish(connection, exchange, false)
  if (connection.reused && !exchange.received && !exchange.retried && !exchange.init.abort.aborted) {
    // A kept-alive connection the server had closed before our request reached it: once more, on a new one.
    connection.exchange = undefined
    exchange.retried = true
    return start(exchange)
  }
  fail(connection, exchange, new Error(error?.message ?? "The upstream closed the connection before its answer was complete"))
}

const fail = (connection: Connection, exchange: Exchange, cause: unknown) => {
  if (exchange.phase === Phase.Done) return
  exchange.phase = Phase.Done
  connection.exchange = undefined
  connection.closed = true
  connection.socket?.terminate()
  exchange.init.abort.listen(undefined)
  if (exchange.answered) exchange.body?.error(cause)
  else exchange.reject(cause)
}

const abort = (exchange: Exchange) => {
  if (exchange.connection !== undefined) fail(exchange.connection, exchange, exchange.init.abort.reason)
}

/** The answer is complete: the body ends, and the connection goes back to the pool when it can be reused. */
const finish = (connection: Connection, exchange: Exchange, leftover: boolean) => {
  exchange.phase = Phase.Done
  connection.exchange = undefined
  exchange.init.abort.listen(undefined)
  exchange.body?.close()
  const socket = connection.socket
  if (socket === undefined) return
  if (connection.closed) return
  if (!exchange.keepAlive || leftover) {
    connection.closed = true
    socket.end()
    return
  }
  connection.reused = true
  let pool = idle.get(connection.origin.key)
  if (pool === undefined) idle.set(connection.origin.key, pool = [])
  if (pool.length >= maxIdlePerOrigin) {
    connection.closed = true
    socket.end()
    return
  }
  socket.timeout(idleSeconds)
  pool.push(connection)
}

const copy = (bytes: Buffer, from: number, to?: number) => new Uint8Array(bytes.subarray(from, to))

const malformedChunk = () => new Error("The upstream sent a malformed chunked body")

const parse = (connection: Connection, exchange: Exchange, data: Buffer) => {
  const bytes = exchange.pending === undefined ? data : Buffer.concat([exchange.pending, data])
  exchange.pending = undefined
  let at = 0
  while (at < bytes.length && exchange.phase !== Phase.Done) {
    switch (exchange.phase) {
      case Phase.Head: {
        const end = bytes.indexOf("\r\n\r\n", at)
        if (end < 0) {
          if (bytes.length - at > maxHeadBytes) throw new Error("The upstream's response headers are too large")
          exchange.pending = copy(bytes, at)
          return
        }
        at = head(connection, exchange, bytes, at, end)
        break
      }
      case Phase.Fixed:
      case Phase.ChunkData: {
        const take = Math.min(exchange.remaining, bytes.length - at)
        exchange.body!.enqueue(copy(bytes, at, at + take))
        exchange.remaining -= take
        at += take
        if (exchange.remaining === 0) exchange.phase = exchange.phase === Phase.Fixed ? Phase.Done : Phase.ChunkEnd
        break
      }
      case Phase.ChunkSize: {
        const end = bytes.indexOf("\r\n", at)
        if (end < 0) {
          if (bytes.length - at > 4096) throw malformedChunk()
          exchange.pending = copy(bytes, at)
          return
        }
        const line = bytes.toString("latin1", at, end)
        if (!/^[0-9a-fA-F]+(?:[ \t]*;.*)?$/.test(line)) throw malformedChunk()
        const size = Number.parseInt(line, 16)
        if (!Number.isSafeInteger(size)) throw malformedChunk()
        at = end + 2
        if (size === 0) exchange.phase = Phase.Trailers
        else {
          exchange.remaining = size
          exchange.phase = Phase.ChunkData
        }
        break
      }
      case Phase.ChunkEnd: {
        if (bytes.length - at < 2) {
          exchange.pending = copy(bytes, at)
          return
        }
        if (bytes[at] !== 13 || bytes[at + 1] !== 10) throw malformedChunk()
        at += 2
        exchange.phase = Phase.ChunkSize
        break
      }
      case Phase.Trailers: {
        const end = bytes.indexOf("\r\n", at)
        if (end < 0) {
          if (bytes.length - at > maxHeadBytes) throw malformedChunk()
          exchange.pending = copy(bytes, at)
          return
        }
        if (end === at) exchange.phase = Phase.Done
        at = end + 2
        break
      }
      case Phase.UntilClose: {
        exchange.body!.enqueue(copy(bytes, at))
        at = bytes.length
        break
      }
    }
  }
  if (exchange.phase === Phase.Done && connection.exchange === exchange) finish(connection, exchange, at < bytes.length)
  else if (exchange.body !== undefined && (exchange.body.desiredSize ?? 1) <= 0) connection.socket?.pause()
}

const digits = /^\d+$/
const statusLine = /^HTTP\/1\.([01]) ([1-9]\d\d)(?:[ \r]|$)/

/** One number, or the same number repeated (a list the server joined). */
const contentLength = (value: string): number => {
  if (digits.test(value)) return Number(value)
  const values = new Set(value.split(",").map((part) => part.trim()))
  const [only] = values
  if (values.size !== 1 || only === undefined || !digits.test(only)) throw new Error("The upstream sent a bad content-length")
  return Number(only)
}

/** The response goes to the caller: from here on a failure ends its body instead of rejecting. */
const answer = (exchange: Exchange, response: Http1Response) => {
  exchange.answered = true
  exchange.resolve(response)
}

/** Parses the head ending at `end`, answers with its response, and returns where the body starts. */
const head = (connection: Connection, exchange: Exchange, bytes: Buffer, at: number, end: number): number => {
  const text = bytes.toString("latin1", at, end)
  const status = statusLine.exec(text)
  if (status === null) throw new Error("The upstream sent a malformed response")
  const code = Number(status[2])
  const bodyAt = end + 4
  // An interim answer (100 Continue, 103 Early Hints): the real one follows.
  if (code < 200) {
    if (code === 101) throw new Error("The upstream switched protocols")
    return bodyAt
  }
  const headers = new RawHeaders(text)
  const lengthValue = headers.get("content-length")
  const length = lengthValue === null ? undefined : contentLength(lengthValue)
  const chunked = headers.get("transfer-encoding")?.toLowerCase().split(",").at(-1)?.trim() === "chunked"
  const tokens = headers.get("connection")?.toLowerCase() ?? ""
  exchange.keepAlive = tokens.includes("close") ? false : status[1] === "1" || tokens.includes("keep-alive")
  const encoding = headers.get("content-encoding")?.toLowerCase()
  const decoded = encoding === undefined || encoding === "identity"
  if (!decoded && encoding !== "gzip" && encoding !== "x-gzip" && encoding !== "deflate") {
    throw new Error(`The upstream sent an unsupported content-encoding '${encoding}'`)
  }
  if (exchange.init.method === "HEAD" || code === 204 || code === 304 || (!chunked && length === 0)) {
    exchange.phase = Phase.Done
    answer(exchange, new Http1Response(code, headers, null))
    return bodyAt
  }
  // The whole body came with its head: handed over as it is, with no stream to relay it through.
  if (!chunked && length !== undefined && decoded && bytes.length - bodyAt >= length) {
    exchange.phase = Phase.Done
    const text = bytes.toString("utf8", bodyAt, bodyAt + length)
    // As a fetch Response's text() does, a byte order mark is not part of the text.
    answer(exchange, new Http1Response(code, headers, text.charCodeAt(0) === 0xfeff ? text.slice(1) : text))
    return bodyAt + length
  }
  if (chunked) exchange.phase = Phase.ChunkSize
  else if (length !== undefined) {
    exchange.phase = Phase.Fixed
    exchange.remaining = length
  } else {
    exchange.phase = Phase.UntilClose
    exchange.keepAlive = false
  }
  const stream = new ReadableStream<Uint8Array>({
    start: (controller) => {
      exchange.body = controller
    },
    pull: () => {
      connection.socket?.resume()
    },
    cancel: () => {
      if (exchange.phase !== Phase.Done) fail(connection, exchange, new Error("The answer's reader cancelled it"))
    }
  }, { highWaterMark: 64 * 1024, size: (chunk?: Uint8Array) => chunk?.byteLength ?? 0 })
  // Chunks are copies, never views of a shared buffer.
  const compressed = stream as ReadableStream<Uint8Array<ArrayBuffer>>
  const body = decoded ? stream : compressed.pipeThrough(new DecompressionStream(encoding === "deflate" ? "deflate" : "gzip"))
  answer(exchange, new Http1Response(code, headers, body))
  return bodyAt
}
