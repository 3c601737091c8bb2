import { Result } from "effect"
import type { ChatRequest } from "../domain/Chat.ts"
import type { JsonObject } from "../providers/Provider.ts"
import { openaiErrorEvent } from "../streams/openaiPassthrough.ts"
import type { Surface } from "./Surface.ts"

/** OpenAI's error body, with `param` when the reason names one. */
export const openaiErrorBody: Surface["errorBody"] = (reason) => ({
  error: { message: reason.message, type: reason.type, param: "param" in reason ? reason.param : null, code: reason.code }
})

/**
 * Chat Completions, the canonical format itself: used as a surface only when the upstream speaks another
 * dialect (OpenAI → OpenAI passes bytes through without it).
 */
export const chat: Surface = {
  dialect: "openai",
  toChat: (body) => Result.succeed(body as unknown as ChatRequest),
  fromChat: (response) => ({ ...response }) as JsonObject,
  encodeStream: (_model, includeUsage) => ({
    push: (chunk) =>
      chunk.choices.length === 0 && !includeUsage ? "" : `data: ${JSON.stringify(chunk)}\n\n`,
    end: () => "data: [DONE]\n\n",
    fail: openaiErrorEvent
  }),
  errorBody: openaiErrorBody
}
