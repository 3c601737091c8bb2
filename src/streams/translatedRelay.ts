import type { ChatChunk, StreamDecoder, StreamEncoder } from "../domain/Chat.ts"
import { type ChatUsage, chatUsage } from "./chatUsage.ts"
import type { EventRelay } from "./relaySse.ts"

const malformed = { failure: "Upstream sent a malformed stream event", status: 502, code: "upstream_protocol_error" }

const parseEvent = (event: string): { name: string | undefined; data: string | undefined } => {
  let name: string | undefined
  let data: string | undefined
  for (const line of event.split("\n")) {
    if (line.startsWith("data:")) data = data === undefined ? line.slice(5).trim() : `${data}\n${line.slice(5).trim()}`
    else if (line.startsWith("event:")) name = line.slice(6).trim()
  }
  return { name, data }
}

/** Generated text in a canonical chunk: content, reasoning and tool arguments, for a local usage estimate. */
const generated = (chunk: ChatChunk): number => {
  let total = 0
  for (const { delta } of chunk.choices) {
    total += (delta.content?.length ?? 0) + ((delta as { reasoning_content?: string | null }).reasoning_content?.length ?? 0)
    for (const call of delta.tool_calls ?? []) total += call.function?.arguments?.length ?? 0
  }
  return total
}

/**
 * An upstream dialect read through its decoder into canonical chunks. With an encoder the chunks are written
 * in the client's dialect; with `passthrough` (client and upstream speak the same non-OpenAI dialect) the
 * upstream's events go on unchanged and the decoder only taps them for usage and completion.
 */
export const translatedRelay = (
  decoder: StreamDecoder,
  encoder: StreamEncoder,
  passthrough: boolean
): EventRelay => {
  let usage: ChatUsage | undefined
  let completionChars = 0
  let finished = false
  return {
    push: (event) => {
      const { name, data } = parseEvent(event)
      if (data === undefined) return passthrough ? event + "\n\n" : ""
      let json: unknown = data
      if (data !== "[DONE]") {
        try {
          json = JSON.parse(data)
        } catch {
          return malformed
        }
      }
      const chunks = decoder.push(name, json)
      if ("failure" in chunks) return { failure: chunks.failure, status: chunks.status ?? 502, code: "upstream_stream_error" }
      let out = ""
      for (const chunk of chunks) {
        usage = chatUsage(chunk) ?? usage
        completionChars += generated(chunk)
        if (chunk.choices.some((choice) => choice.finish_reason)) finished = true
        if (!passthrough) out += encoder.push(chunk)
      }
      return passthrough ? event + "\n\n" : out
    },
    done: decoder.complete,
    complete: () => decoder.complete() || finished,
    end: () => passthrough ? "" : encoder.end(),
    fail: encoder.fail,
    usage: () => usage,
    completionChars: () => completionChars
  }
}
