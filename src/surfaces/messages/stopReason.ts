/**
 * A finish reason as Anthropic's `stop_reason`. Chat Completions does not say which stop sequence matched,
 * so a stop on one reads as `end_turn` (and `stop_sequence` stays null).
 */
export const stopReason = (finishReason: string | null | undefined): string => {
  switch (finishReason) {
    case "length":
      return "max_tokens"
    case "tool_calls":
    case "function_call":
      return "tool_use"
    case "content_filter":
      return "refusal"
    default:
      return "end_turn"
  }
}
