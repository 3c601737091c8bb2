import { Result } from "effect"
import type { ChatCompletionSystemMessageParam } from "openai/resources/chat/completions"
import type { Translated } from "../../domain/Chat.ts"
import { textOnly } from "./textOnly.ts"

/** A system prompt (the top-level `system`, or a `system` turn's content) as one system message, none when empty. */
export const systemToChat = (content: unknown, path: string): Translated<ReadonlyArray<ChatCompletionSystemMessageParam>> => {
  const text = textOnly(content, path)
  if (Result.isFailure(text)) return Result.fail(text.failure)
  return Result.succeed(text.success === "" ? [] : [{ role: "system", content: text.success }])
}
