import { Predicate } from "effect"

/** Token counts as an OpenAI-dialect body or chunk reports them. */
export interface ChatUsage {
  readonly promptTokens: number
  readonly completionTokens: number
  readonly cachedTokens: number
}

const count = (value: unknown): number => Predicate.isNumber(value) && value >= 0 ? value : 0

/** Reads `usage` from a chat, completion or embedding body or stream chunk; undefined when it has none. */
export const chatUsage = (body: unknown): ChatUsage | undefined => {
  if (!Predicate.isObject(body) || !("usage" in body)) return undefined
  const usage = body.usage
  if (!Predicate.isObject(usage)) return undefined
  const details = "prompt_tokens_details" in usage && Predicate.isObject(usage.prompt_tokens_details)
    ? usage.prompt_tokens_details
    : undefined
  return {
    promptTokens: count("prompt_tokens" in usage ? usage.prompt_tokens : undefined),
    completionTokens: count("completion_tokens" in usage ? usage.completion_tokens : undefined),
    cachedTokens: count(details !== undefined && "cached_tokens" in details ? details.cached_tokens : undefined)
  }
}
