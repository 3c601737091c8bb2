import type { CompletionUsage } from "openai/resources/completions"
import type { ResponseUsage } from "openai/resources/responses/responses"

/** Chat usage as Responses usage; both count cached and cache-write tokens inside the input tokens. */
export const usageToResponses = (usage: CompletionUsage): ResponseUsage => ({
  input_tokens: usage.prompt_tokens,
  input_tokens_details: {
    cached_tokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
    cache_write_tokens: usage.prompt_tokens_details?.cache_write_tokens ?? 0
  },
  output_tokens: usage.completion_tokens,
  output_tokens_details: { reasoning_tokens: usage.completion_tokens_details?.reasoning_tokens ?? 0 },
  total_tokens: usage.total_tokens
})
