import { Predicate } from "effect"
import type { CompletionUsage } from "openai/resources/completions"

const count = (value: unknown): number => Predicate.isNumber(value) ? value : 0

/**
 * Anthropic's usage as OpenAI's. Anthropic counts cache reads and cache writes apart from `input_tokens`,
 * OpenAI counts them inside `prompt_tokens`, with the cache reads repeated as `cached_tokens`.
 */
export const usageToChat = (usage: unknown): CompletionUsage => {
  const fields = Predicate.isObject(usage) ? usage : {}
  const cacheRead = count(fields.cache_read_input_tokens)
  const prompt = count(fields.input_tokens) + cacheRead + count(fields.cache_creation_input_tokens)
  const completion = count(fields.output_tokens)
  const details = fields.output_tokens_details
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cacheRead },
    ...(Predicate.isObject(details) && Predicate.isNumber(details.thinking_tokens)
      ? { completion_tokens_details: { reasoning_tokens: details.thinking_tokens } }
      : {})
  }
}
