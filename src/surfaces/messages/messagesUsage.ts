import type { CompletionUsage } from "openai/resources/completions"

/**
 * Chat usage as Anthropic's: OpenAI counts cache reads inside `prompt_tokens`, Anthropic apart from
 * `input_tokens`. Chat Completions reports no cache writes, hence `cache_creation_input_tokens: 0`.
 */
export const messagesUsage = (usage: CompletionUsage | null | undefined) => {
  const cached = usage?.prompt_tokens_details?.cached_tokens ?? 0
  return {
    input_tokens: Math.max(0, (usage?.prompt_tokens ?? 0) - cached),
    output_tokens: usage?.completion_tokens ?? 0,
    cache_read_input_tokens: cached,
    cache_creation_input_tokens: 0
  }
}
