import { Predicate, Result } from "effect"
import type { Translated } from "../../domain/Chat.ts"
import { unsupported } from "../../domain/unsupported.ts"

/**
 * The texts of a system, assistant or tool message's content (a string or text parts; an assistant's refusal
 * parts are what it said). Empty texts are left out: Gemini refuses an empty text part.
 */
export const textsOf = (content: unknown, path: string): Translated<ReadonlyArray<string>> => {
  if (content === undefined || content === null) return Result.succeed([])
  if (Predicate.isString(content)) return Result.succeed(content === "" ? [] : [content])
  if (!Array.isArray(content)) return unsupported(path, "Content must be a string or an array of parts")
  const texts: Array<string> = []
  for (const [j, part] of content.entries()) {
    const text = !Predicate.isObject(part)
      ? undefined
      : part.type === "text"
      ? part.text
      : part.type === "refusal"
      ? part.refusal
      : undefined
    if (!Predicate.isString(text)) {
      return unsupported(`${path}[${j}].type`, "Only text parts are supported here")
    }
    if (text !== "") texts.push(text)
  }
  return Result.succeed(texts)
}
