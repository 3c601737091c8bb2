import { Predicate, Result } from "effect"
import type { ChatChunk, ChatResponse, StreamDecoder } from "../domain/Chat.ts"
import type { JsonObject, Translator } from "./Provider.ts"

const isChatShaped = (body: unknown): body is JsonObject & { choices: Array<unknown> } =>
  Predicate.isObject(body) && Array.isArray((body as JsonObject).choices)

const decodeOpenAiStream = (): StreamDecoder => {
  let done = false
  return {
    push: (_event, data) => {
      if (data === "[DONE]") {
        done = true
        return []
      }
      if (Predicate.isObject(data) && "error" in data) {
        const error = data.error
        const message = Predicate.isObject(error) && Predicate.isString(error.message) ? error.message : JSON.stringify(error)
        return { failure: `Upstream stream error: ${message}` }
      }
      if (isChatShaped(data)) return [data as unknown as ChatChunk]
      return { failure: "Upstream sent a stream event that is not a chat completion chunk" }
    },
    complete: () => done
  }
}

/** The canonical format is OpenAI's own: requests go as they are, answers are only checked for their shape. */
export const openaiTranslator: Translator = {
  fromChat: (request) => Result.succeed({ ...request } as JsonObject),
  toChat: (body) => isChatShaped(body) ? body as unknown as ChatResponse : undefined,
  decodeStream: decodeOpenAiStream
}
