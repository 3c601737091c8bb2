import { Predicate } from "effect"
import type { ChatCompletionMessageToolCall } from "openai/resources/chat/completions"
import type { ChatResponse, ReasoningFields, ThinkingBlock } from "../../domain/Chat.ts"
import { toFinishReason } from "./toFinishReason.ts"
import { usageToChat } from "./usageToChat.ts"

type Message = ChatResponse["choices"][number]["message"] & ReasoningFields

/**
 * A non-stream Anthropic `Message` as a chat completion. Blocks only server tools produce (web search results
 * and the like) cannot arise from a translated request and are skipped.
 */
export const anthropicToChat = (body: unknown): ChatResponse | undefined => {
  if (!Predicate.isObject(body) || body.type !== "message" || !Array.isArray(body.content)) return undefined
  const texts: Array<string> = []
  const reasoning: Array<string> = []
  const thinking: Array<ThinkingBlock> = []
  const toolCalls: Array<ChatCompletionMessageToolCall> = []
  for (const block of body.content) {
    if (!Predicate.isObject(block)) continue
    if (block.type === "text" && Predicate.isString(block.text)) texts.push(block.text)
    else if (block.type === "thinking" && Predicate.isString(block.thinking) && Predicate.isString(block.signature)) {
      reasoning.push(block.thinking)
      thinking.push({ type: "thinking", thinking: block.thinking, signature: block.signature })
    } else if (block.type === "redacted_thinking" && Predicate.isString(block.data)) {
      thinking.push({ type: "redacted_thinking", data: block.data })
    } else if (block.type === "tool_use" && Predicate.isString(block.id) && Predicate.isString(block.name)) {
      toolCalls.push({ id: block.id, type: "function", function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } })
    }
  }
  const message: Message = {
    role: "assistant",
    content: texts.length === 0 ? null : texts.join(""),
    refusal: null,
    ...(toolCalls.length === 0 ? {} : { tool_calls: toolCalls }),
    ...(reasoning.length === 0 ? {} : { reasoning_content: reasoning.join("") }),
    ...(thinking.length === 0 ? {} : { thinking_blocks: thinking })
  }
  return {
    id: Predicate.isString(body.id) ? body.id : "",
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: Predicate.isString(body.model) ? body.model : "",
    choices: [{ index: 0, message, finish_reason: toFinishReason(body.stop_reason), logprobs: null }],
    usage: usageToChat(body.usage)
  }
}
