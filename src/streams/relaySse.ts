import type { ChatUsage } from "./chatUsage.ts"

/** How a stream ended, for the ledger: HTTP-like status (499 client gone, 502 upstream broke, 504 idle). */
export interface StreamOutcome {
  readonly status: number
  readonly error: string | undefined
  readonly usage: ChatUsage | undefined
  /** Characters of generated text seen, for a local estimate when the upstream reported no usage. */
  readonly completionChars: number
  readonly firstByteAt: number | undefined
  /** What the client was sent, up to `captureChars`, when capture is on. */
  readonly captured: string | undefined
}

/** Why a relay gave up on the upstream's stream. */
export interface RelayFailure {
  readonly failure: string
  readonly status: number
  readonly code: string
}

/**
 * What happens to each upstream event: passed on, translated, or tapped. Stateful, one per stream.
 * `relaySse` owns reading, event framing, timeouts and ending; a relay owns the dialects.
 */
export interface EventRelay {
  /** One complete upstream event (its lines, without the blank line): the text for the client, or a failure. */
  readonly push: (event: string) => string | RelayFailure
  /** The upstream said it is over: settle now and stop forwarding, even if its connection stays open. */
  readonly done: () => boolean
  /** At the upstream's end of body: whether a complete response came. */
  readonly complete: () => boolean
  /** The text that closes a complete stream for the client (may be ""). */
  readonly end: () => string
  /** The client-dialect events that end a broken stream. */
  readonly fail: (message: string, code: string) => string
  readonly usage: () => ChatUsage | undefined
  readonly completionChars: () => number
}

export interface RelayOptions {
  readonly idleTimeoutMs: number
  readonly abortUpstream: () => void
  /** Whether a read failed because the exchange ran past its total timeout. */
  readonly totalTimedOut: () => boolean
  readonly onEnd: (outcome: StreamOutcome) => void
  /** Keep what is sent to the client, up to this many characters (0: capture off). */
  readonly captureChars: number
}

const encoder = new TextEncoder()

const isFailure = (out: string | RelayFailure): out is RelayFailure => typeof out !== "string"

/**
 * Relays an upstream SSE stream to the client event by event as it arrives (an event goes on once its blank
 * line has arrived). A stream that breaks, goes idle, turns malformed or ends before finishing ends with an
 * error event in the client's dialect instead of a silent truncation; valid events before a bad one still go out.
 */
export const relaySse = (upstream: ReadableStream<Uint8Array>, relay: EventRelay, options: RelayOptions) => {
  const reader = upstream.getReader()
  const decoder = new TextDecoder()
  let pending = ""
  let firstByteAt: number | undefined
  let ended = false
  let idle = false
  let captured: string | undefined = options.captureChars > 0 ? "" : undefined

  const end = (status: number, error?: string) => {
    if (ended) return
    ended = true
    options.onEnd({ status, error, usage: relay.usage(), completionChars: relay.completionChars(), firstByteAt, captured })
  }

  /** The client's text for complete events, up to a failing one if any, or up to the upstream's last word. */
  const forward = (events: string): { out: string; failure: RelayFailure | undefined } => {
    let out = ""
    for (const event of events.split("\n\n")) {
      if (event === "") continue
      const text = relay.push(event)
      if (isFailure(text)) return { out, failure: text }
      out += text
      if (relay.done()) break
    }
    return { out, failure: undefined }
  }

  /** After the upstream's last word its connection is read to its end in the background, so that it can be reused. */
  const drain = () => {
    const guard = setTimeout(() => reader.cancel().catch(() => {}), options.idleTimeoutMs)
    const next = (): Promise<void> => reader.read().then((r) => r.done ? clearTimeout(guard) : next(), () => clearTimeout(guard))
    void next()
  }

  const send = (controller: ReadableStreamDefaultController<Uint8Array>, text: string) => {
    if (text === "") return
    firstByteAt ??= performance.now()
    if (captured !== undefined && captured.length < options.captureChars) captured += text.slice(0, options.captureChars - captured.length)
    controller.enqueue(encoder.encode(text))
  }

  const fail = (controller: ReadableStreamDefaultController<Uint8Array>, status: number, message: string, code: string) => {
    options.abortUpstream()
    reader.cancel().catch(() => {})
    controller.enqueue(encoder.encode(relay.fail(message, code)))
    controller.close()
    end(status, message)
  }

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        const timer = setTimeout(() => {
          idle = true
          options.abortUpstream()
        }, options.idleTimeoutMs)
        let chunk: Awaited<ReturnType<typeof reader.read>>
        try {
          chunk = await reader.read()
        } catch (cause) {
          if (ended) return
          return idle
            ? fail(controller, 504, `Upstream sent nothing for ${options.idleTimeoutMs} ms`, "upstream_idle_timeout")
            : options.totalTimedOut()
            ? fail(controller, 504, "Upstream ran past its total timeout", "upstream_total_timeout")
            : fail(controller, 502, `Upstream stream broke: ${cause instanceof Error ? cause.message : String(cause)}`, "upstream_stream_interrupted")
        } finally {
          clearTimeout(timer)
        }
        if (ended) return
        let text = chunk.done ? pending + decoder.decode() + "\n\n" : pending + decoder.decode(chunk.value, { stream: true })
        // A CR ending this read may be the first half of a CRLF: it waits for the next read.
        const carry = !chunk.done && text.endsWith("\r") ? "\r" : ""
        if (carry !== "") text = text.slice(0, -1)
        if (text.includes("\r")) text = text.replace(/\r\n?/g, "\n")
        const boundary = text.lastIndexOf("\n\n")
        pending = (boundary < 0 ? text : text.slice(boundary + 2)) + carry
        const { out, failure } = boundary < 0 ? { out: "", failure: undefined } : forward(text.slice(0, boundary + 2))
        send(controller, out)
        if (failure !== undefined) return fail(controller, failure.status, failure.failure, failure.code)
        // Settled at the upstream's last word: a client may hang up as soon as it has read it, which is no abort.
        if (relay.done()) {
          send(controller, relay.end())
          controller.close()
          end(200)
          return chunk.done ? undefined : drain()
        }
        if (chunk.done) {
          if (!relay.complete()) {
            return fail(controller, 502, "Upstream stream ended before the response was complete", "upstream_stream_interrupted")
          }
          send(controller, relay.end())
          controller.close()
          return end(200)
        }
        if (out !== "") return
      }
    },
    cancel() {
      end(499, "client closed the stream")
      options.abortUpstream()
      reader.cancel().catch(() => {})
    }
  }, { highWaterMark: 0 })
}
