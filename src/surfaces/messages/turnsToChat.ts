import { Predicate, Result } from "effect"
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions"
import type { Translated } from "../../domain/Chat.ts"
import { assistantTurnToChat } from "./assistantTurnToChat.ts"
import { systemToChat } from "./systemToChat.ts"
import { unsupported } from "../../domain/unsupported.ts"
import { userTurnToChat } from "./userTurnToChat.ts"

const isNonEmpty = (content: unknown) =>
  (Predicate.isString(content) && content !== "") || (Array.isArray(content) && content.length > 0)

const turnToChat = (turn: { readonly [key: PropertyKey]: unknown }, path: string): Translated<ReadonlyArray<ChatCompletionMessageParam>> => {
  switch (turn.role) {
    case "user":
      return userTurnToChat(turn.content, path)
    case "assistant":
      return Result.map(assistantTurnToChat(turn.content, path), (message) => [message])
    case "system":
      return systemToChat(turn.content, `${path}.content`)
    default:
      return unsupported(`${path}.role`, `'${path}.role' must be 'user' or 'assistant'.`)
  }
}

/** The `messages` array as chat messages, in order. */
export const turnsToChat = (turns: unknown): Translated<Array<ChatCompletionMessageParam>> => {
  if (!Array.isArray(turns) || turns.length === 0) return unsupported("messages", "'messages' must be a non-empty array.")
  const out: Array<ChatCompletionMessageParam> = []
  for (const [i, turn] of turns.entries()) {
    const path = `messages[${i}]`
    if (!Predicate.isObject(turn)) return unsupported(path, `'${path}' must be an object with a role and content.`)
    if (!isNonEmpty(turn.content)) return unsupported(`${path}.content`, `'${path}.content' must be a non-empty string or array.`)
    const converted = turnToChat(turn, path)
    if (Result.isFailure(converted)) return Result.fail(converted.failure)
    out.push(...converted.success)
  }
  const last = turns.length - 1
  if (Predicate.isObject(turns[last]) && turns[last].role === "assistant") {
    // Chat Completions answers after a trailing assistant message instead of continuing it.
    return unsupported(`messages[${last}].role`, "A final assistant message (prefill) cannot be continued by this model.")
  }
  return Result.succeed(out)
}
