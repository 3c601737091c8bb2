import { Predicate } from "effect"
import type { GenerateContentResponse } from "./GeminiWire.ts"

/**
 * The body as a GenerateContentResponse when it looks like one (candidates, a prompt block, or in a stream a
 * chunk carrying only usage); undefined for anything else, such as an OpenAI or Anthropic body.
 */
export const asGeminiResponse = (body: unknown): GenerateContentResponse | undefined => {
  if (!Predicate.isObject(body) || Array.isArray(body)) return undefined
  const { candidates, promptFeedback, usageMetadata } = body as Record<string, unknown>
  if (candidates !== undefined && !Array.isArray(candidates)) return undefined
  const looksLike = Array.isArray(candidates) || Predicate.isObject(promptFeedback) || Predicate.isObject(usageMetadata)
  return looksLike ? body as GenerateContentResponse : undefined
}
