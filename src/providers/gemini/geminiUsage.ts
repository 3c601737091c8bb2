import type { CompletionUsage } from "openai/resources/completions"
import type { GeminiUsageMetadata } from "./GeminiWire.ts"

/**
 * Gemini counts thinking apart from the answer; OpenAI's completion tokens include reasoning. Cached tokens
 * are part of `promptTokenCount`, as they are of OpenAI's `prompt_tokens`.
 */
export const geminiUsage = (usage: GeminiUsageMetadata | undefined): CompletionUsage => {
  const prompt = usage?.promptTokenCount ?? 0
  const thoughts = usage?.thoughtsTokenCount ?? 0
  const completion = (usage?.candidatesTokenCount ?? 0) + thoughts
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: usage?.cachedContentTokenCount ?? 0 },
    completion_tokens_details: { reasoning_tokens: thoughts }
  }
}
