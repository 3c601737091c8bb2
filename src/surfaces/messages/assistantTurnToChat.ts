import { Predicate, Result } from "effect"
import type {
  ChatCompletionAssistantMessageParam,
  ChatCompletionMessageFunctionToolCall
} from "openai/resources/chat/completions"
import type { ReasoningFields, ThinkingBlock, Translated } from "../../domain/Chat.ts"
import { unsupported } from "../../domain/unsupported.ts"

export type AssistantMessage = ChatCompletionAssistantMessageParam & ReasoningFields

/**
 * An assistant turn: text as content, `tool_use` as tool calls, thinking blocks kept with their signatures
 * in `thinking_blocks` (their text also as `reasoning_content`). Block order between text and tool uses is
 * not expressible in Chat Completions; the content of each kind keeps its order.
 */
export const assistantTurnToChat = (content: unknown, path: string): Translated<AssistantMessage> => {
  if (Predicate.isString(content)) return Result.succeed({ role: "assistant", content })
  if (!Array.isArray(content)) return unsupported(`${path}.content`, `'${path}.content' must be a string or an array of blocks.`)
  const texts: Array<string> = []
  const toolCalls: Array<ChatCompletionMessageFunctionToolCall> = []
  const thinkingBlocks: Array<ThinkingBlock> = []
  const reasoning: Array<string> = []
  for (const [j, block] of content.entries()) {
    const at = `${path}.content[${j}]`
    if (!Predicate.isObject(block)) return unsupported(at, `'${at}' must be a content block.`)
    switch (block.type) {
      case "text": {
        if (!Predicate.isString(block.text)) return unsupported(`${at}.text`, `'${at}.text' must be a string.`)
        texts.push(block.text)
        break
      }
      case "tool_use": {
        if (!Predicate.isString(block.id)) return unsupported(`${at}.id`, `'${at}.id' must be a string.`)
        if (!Predicate.isString(block.name)) return unsupported(`${at}.name`, `'${at}.name' must be a string.`)
        const args = JSON.stringify(block.input ?? {})
        toolCalls.push({ id: block.id, type: "function", function: { name: block.name, arguments: args } })
        break
      }
      case "thinking": {
        if (!Predicate.isString(block.thinking)) return unsupported(`${at}.thinking`, `'${at}.thinking' must be a string.`)
        if (!Predicate.isString(block.signature)) return unsupported(`${at}.signature`, `'${at}.signature' must be a string.`)
        thinkingBlocks.push({ type: "thinking", thinking: block.thinking, signature: block.signature })
        reasoning.push(block.thinking)
        break
      }
      case "redacted_thinking": {
        if (!Predicate.isString(block.data)) return unsupported(`${at}.data`, `'${at}.data' must be a string.`)
        thinkingBlocks.push({ type: "redacted_thinking", data: block.data })
        break
      }
      default:
        return unsupported(`${at}.type`, `Assistant content blocks of type '${String(block.type)}' cannot be translated for this model.`)
    }
  }
  const [only] = texts
  return Result.succeed({
    role: "assistant",
    content: texts.length === 0
      ? (toolCalls.length > 0 ? null : "")
      : texts.length === 1 && only !== undefined ? only : texts.map((text) => ({ type: "text" as const, text })),
    ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
    ...(thinkingBlocks.length > 0 ? { thinking_blocks: thinkingBlocks } : {}),
    ...(reasoning.length > 0 ? { reasoning_content: reasoning.join("\n\n") } : {})
  })
}
