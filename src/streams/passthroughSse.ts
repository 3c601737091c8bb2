import type { ChatUsage } from "./chatUsage.ts"
import { chatUsage } from "./chatUsage.ts"
import { generatedChars } from "./generatedChars.ts"

/** How a stream ended, for the ledger: HTTP-like status (499 client gone, 502 upstream broke, 504 idle). */
export interface StreamOutcome {
  readonly status: number
  readonly error: string | undefined
  readonly usage: ChatUsage | undefined
  /** Characters of generated text seen, for a local estimate when the upstream reported no usage. */
  readonly completionChars: number
  readonly firstByteAt: number | undefined
}

export interface PassthroughOptions {
  /** The client asked for `stream_options.include_usage`; otherwise the usage-only chunk is removed. */
  readonly clientWantsUsage: boolean
  readonly idleTimeoutMs: number
  readonly abortUpstream: () => void
  readonly onEnd: (outcome: StreamOutcome) => void
}

const encoder = new TextEncoder()
const usagePattern = /"usage"\s*:\s*\{/
const finishPattern = /"finish_reason"\s*:\s*"/
const emptyChoicesPattern = /"choices"\s*:\s*\[\s*\]/

const errorEvent = (message: string, code: string) =>
  encoder.encode(`data: ${JSON.stringify({ error: { message, type: "upstream_error", param: null, code } })}\n\n`)

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

const dataOf = (event: string): string | undefined => {
  if (event.startsWith("data:") && !event.includes("\n")) return event.slice(5).trim()
  const lines = event.split("\n").filter((line) => line.startsWith("data:"))
  return lines.length === 0 ? undefined : lines.map((line) => line.slice(5).trim()).join("\n")
}

/**
 * Passes an OpenAI-dialect SSE stream through event by event as it arrives (an event is forwarded once its
 * blank line has arrived), tapping it for usage, the finish reason and the generated text's length. Only the
 * usage-only chunk is ever removed. A stream that breaks, goes idle, turns malformed or ends before finishing
 * ends with an OpenAI-shaped error event instead of a silent truncation.
 */
export const passthroughSse = (upstream: ReadableStream<Uint8Array>, options: PassthroughOptions) => {
  const reader = upstream.getReader()
  const decoder = new TextDecoder()
  let pending = ""
  let sawDone = false
  let sawFinish = false
  let usage: ChatUsage | undefined
  let completionChars = 0
  let firstByteAt: number | undefined
  let ended = false
  let idle = false

  const end = (status: number, error?: string) => {
    if (ended) return
    ended = true
    options.onEnd({ status, error, usage, completionChars, firstByteAt })
  }

  /** The complete events to forward, up to a malformed one if any (everything before it still goes out). */
  const forward = (events: string): { out: string; malformed: boolean } => {
    let out = ""
    for (const event of events.split("\n\n")) {
      if (event === "") continue
      const data = dataOf(event)
      if (data !== undefined) {
        if (data === "[DONE]") sawDone = true
        else if (!data.startsWith("{") || !data.endsWith("}")) return { out, malformed: true }
        else {
          if (!sawFinish && finishPattern.test(data)) sawFinish = true
          completionChars += generatedChars(data)
          if (usagePattern.test(data)) {
            const parsed = parseJson(data)
            if (parsed === undefined) return { out, malformed: true }
            usage = chatUsage(parsed) ?? usage
            if (!options.clientWantsUsage && emptyChoicesPattern.test(data)) continue
          }
        }
      }
      out += event + "\n\n"
      if (sawDone) break
    }
    return { out, malformed: false }
  }

  /** After [DONE] the upstream's connection is read to its end in the background, so that it can be reused. */
  const drain = () => {
    const guard = setTimeout(() => reader.cancel().catch(() => {}), options.idleTimeoutMs)
    const next = (): Promise<void> => reader.read().then((r) => r.done ? clearTimeout(guard) : next(), () => clearTimeout(guard))
    void next()
  }

  const fail = (controller: ReadableStreamDefaultController<Uint8Array>, status: number, message: string, code: string) => {
    options.abortUpstream()
    reader.cancel().catch(() => {})
    controller.enqueue(errorEvent(message, code))
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
        const { out, malformed } = boundary < 0 ? { out: "", malformed: false } : forward(text.slice(0, boundary + 2))
        if (out !== "") {
          firstByteAt ??= performance.now()
          controller.enqueue(encoder.encode(out))
        }
        if (malformed) return fail(controller, 502, "Upstream sent a malformed stream event", "upstream_protocol_error")
        // Settled at [DONE]: a client may hang up as soon as it has read it, which is no abort.
        if (sawDone) {
          controller.close()
          end(200)
          return chunk.done ? undefined : drain()
        }
        if (chunk.done) {
          if (!sawFinish) {
            return fail(controller, 502, "Upstream stream ended before the response was complete", "upstream_stream_interrupted")
          }
          controller.enqueue(encoder.encode("data: [DONE]\n\n"))
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
