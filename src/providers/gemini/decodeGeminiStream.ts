import { Predicate } from "effect"
import type { ChatChunk, ReasoningFields, StreamDecoder, StreamFailure } from "../../domain/Chat.ts"
import { asGeminiResponse } from "./asGeminiResponse.ts"
import { geminiFinishReason } from "./geminiFinishReason.ts"
import { geminiParts } from "./geminiParts.ts"
import { geminiToolCall } from "./geminiToolCall.ts"
import { geminiUsage } from "./geminiUsage.ts"
import type { GeminiUsageMetadata, GoogleError } from "./GeminiWire.ts"

type Delta = ChatChunk["choices"][number]["delta"] & ReasoningFields

const streamFailure = (error: GoogleError): StreamFailure => {
  const message = Predicate.isString(error.message) ? error.message : "Gemini ended the stream with an error"
  const status = error.code === 429 || error.status === "RESOURCE_EXHAUSTED"
    ? 429
    : error.code === 503 || error.status === "UNAVAILABLE"
    ? 503
    : 502
  return { failure: error.status === undefined ? message : `${error.status}: ${message}`, status }
}

/**
 * Reads `streamGenerateContent?alt=sse`: every event is a whole GenerateContentResponse holding the next parts.
 * Gemini sends each function call whole, so each becomes one tool call delta with its own index; usage
 * (cumulative, on every chunk) is reported once, from the last chunk, after the finish reason.
 */
export const decodeGeminiStream = (): StreamDecoder => {
  let started = false
  let done = false
  let responseId = ""
  let model = ""
  const created = Math.floor(Date.now() / 1000)
  let toolCalls = 0
  let usage: GeminiUsageMetadata | undefined

  const chunk = (choices: ChatChunk["choices"]): ChatChunk => ({
    id: responseId,
    object: "chat.completion.chunk",
    created,
    model,
    choices
  })
  const deltaChunk = (delta: Delta): ChatChunk => chunk([{ index: 0, delta, finish_reason: null }])

  return {
    complete: () => done,
    push: (_event, data) => {
      if (done) return []
      if (Predicate.isObject(data) && Predicate.isObject(data.error)) return streamFailure(data.error)
      const response = asGeminiResponse(data)
      if (response === undefined) return { failure: "Gemini sent a stream event that is not a GenerateContentResponse" }
      const out: Array<ChatChunk> = []
      if (!started) {
        started = true
        responseId = response.responseId ?? crypto.randomUUID()
        model = response.modelVersion ?? ""
        out.push(deltaChunk({ role: "assistant", content: "" }))
      }
      const candidate = response.candidates?.[0]
      for (const output of geminiParts(candidate)) {
        if (output.kind === "text") out.push(deltaChunk({ content: output.text }))
        else if (output.kind === "thought") out.push(deltaChunk({ reasoning_content: output.text }))
        else {
          const index = toolCalls++
          out.push(deltaChunk({ tool_calls: [{ index, ...geminiToolCall(output.call, output.signature, index, responseId) }] }))
        }
      }
      if (response.usageMetadata !== undefined) usage = response.usageMetadata
      const blocked = candidate === undefined && response.promptFeedback?.blockReason !== undefined
      if (candidate?.finishReason !== undefined || blocked) {
        done = true
        out.push(chunk([{
          index: 0,
          delta: {},
          finish_reason: blocked ? "content_filter" : geminiFinishReason(candidate?.finishReason, toolCalls > 0)
        }]))
        out.push({ ...chunk([]), usage: geminiUsage(usage) })
      }
      return out
    }
  }
}
