import { Predicate, Result } from "effect"
import type { Translated } from "../../domain/Chat.ts"
import { unsupported } from "../../domain/unsupported.ts"

/**
 * A string, or an array of `text` blocks joined by blank lines (a system prompt, a tool result's content).
 * Their `cache_control` is a caching hint with no effect on the output: ignored.
 */
export const textOnly = (content: unknown, path: string): Translated<string> => {
  if (Predicate.isString(content)) return Result.succeed(content)
  if (!Array.isArray(content)) return unsupported(path, `'${path}' must be a string or an array of text blocks.`)
  const texts: Array<string> = []
  for (const [k, block] of content.entries()) {
    if (!Predicate.isObject(block)) return unsupported(`${path}[${k}]`, `'${path}[${k}]' must be a content block.`)
    if (block.type !== "text") {
      return unsupported(`${path}[${k}].type`, `Content blocks of type '${String(block.type)}' are not supported here, only 'text'.`)
    }
    if (!Predicate.isString(block.text)) return unsupported(`${path}[${k}].text`, `'${path}[${k}].text' must be a string.`)
    texts.push(block.text)
  }
  return Result.succeed(texts.join("\n\n"))
}
