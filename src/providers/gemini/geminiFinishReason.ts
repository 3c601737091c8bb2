import type { ChatResponse } from "../../domain/Chat.ts"

type FinishReason = ChatResponse["choices"][number]["finish_reason"]

const filtered = new Set([
  "SAFETY",
  "RECITATION",
  "BLOCKLIST",
  "PROHIBITED_CONTENT",
  "SPII",
  "IMAGE_SAFETY",
  "IMAGE_PROHIBITED_CONTENT",
  "IMAGE_RECITATION"
])

/** Gemini's `finishReason` in OpenAI's terms; a normal stop after function calls is `tool_calls`. */
export const geminiFinishReason = (reason: string | undefined, hadToolCalls: boolean): FinishReason => {
  if (reason === "MAX_TOKENS") return "length"
  if (reason !== undefined && filtered.has(reason)) return "content_filter"
  return hadToolCalls ? "tool_calls" : "stop"
}
