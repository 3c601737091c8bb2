import { Predicate, Result } from "effect"
import type {
  ChatCompletionContentPart,
  ChatCompletionMessageParam,
  ChatCompletionToolMessageParam
} from "openai/resources/chat/completions"
import type { Translated } from "../../domain/Chat.ts"
import { imageToChat } from "./imageToChat.ts"
import { textOnly } from "./textOnly.ts"
import { unsupported } from "../../domain/unsupported.ts"

/**
 * A user turn. Its `tool_result` blocks become `tool` messages placed before the rest of the turn, since
 * Chat Completions wants tool messages right after the assistant message holding the tool calls. A result's
 * `is_error` has no Chat Completions counterpart: the text, which says what failed, is kept as it is.
 * `cache_control` (a caching hint) and `citations` on text blocks do not change the output: ignored.
 */
export const userTurnToChat = (content: unknown, path: string): Translated<ReadonlyArray<ChatCompletionMessageParam>> => {
  if (Predicate.isString(content)) return Result.succeed([{ role: "user", content }])
  if (!Array.isArray(content)) return unsupported(`${path}.content`, `'${path}.content' must be a string or an array of blocks.`)
  const results: Array<ChatCompletionToolMessageParam> = []
  const parts: Array<ChatCompletionContentPart> = []
  for (const [j, block] of content.entries()) {
    const at = `${path}.content[${j}]`
    if (!Predicate.isObject(block)) return unsupported(at, `'${at}' must be a content block.`)
    switch (block.type) {
      case "text": {
        if (!Predicate.isString(block.text)) return unsupported(`${at}.text`, `'${at}.text' must be a string.`)
        parts.push({ type: "text", text: block.text })
        break
      }
      case "image": {
        const image = imageToChat(block.source, at)
        if (Result.isFailure(image)) return Result.fail(image.failure)
        parts.push(image.success)
        break
      }
      case "tool_result": {
        if (!Predicate.isString(block.tool_use_id)) return unsupported(`${at}.tool_use_id`, `'${at}.tool_use_id' must be a string.`)
        const text = textOnly(block.content ?? "", `${at}.content`)
        if (Result.isFailure(text)) return Result.fail(text.failure)
        results.push({ role: "tool", tool_call_id: block.tool_use_id, content: text.success })
        break
      }
      default:
        return unsupported(`${at}.type`, `User content blocks of type '${String(block.type)}' cannot be translated for this model.`)
    }
  }
  const [only] = parts
  const rest: ReadonlyArray<ChatCompletionMessageParam> = parts.length === 0
    ? []
    : [{ role: "user", content: parts.length === 1 && only?.type === "text" ? only.text : parts }]
  return Result.succeed([...results, ...rest])
}
