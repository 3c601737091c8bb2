import type { ChatResponse } from "../../domain/Chat.ts"

type FinishReason = ChatResponse["choices"][number]["finish_reason"]

/** Anthropic's `stop_reason` as a finish reason; `pause_turn` (a paused server-tool loop) ends the turn like `end_turn`. */
export const toFinishReason = (stopReason: unknown): FinishReason => {
  switch (stopReason) {
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length"
    case "tool_use":
      return "tool_calls"
    case "refusal":
      return "content_filter"
    default:
      return "stop"
  }
}
