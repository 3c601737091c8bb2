import { Predicate } from "effect"
import type { ChatCompletionMessageToolCall } from "openai/resources/chat/completions"
import type { ChatResponse, ReasoningFields } from "../../domain/Chat.ts"
import type { JsonObject } from "../../providers/Provider.ts"
import { messageId } from "./messageId.ts"
import { messagesUsage } from "./messagesUsage.ts"
import { stopReason } from "./stopReason.ts"

/** Tool arguments as a `tool_use` input; arguments that are not a JSON object are kept whole under `arguments`. */
const toolInput = (raw: string): unknown => {
  if (raw.trim() === "") return {}
  try {
    const parsed: unknown = JSON.parse(raw)
    return Predicate.isObject(parsed) ? parsed : { arguments: raw }
  } catch {
    return { arguments: raw }
  }
}

const toolUse = (call: ChatCompletionMessageToolCall): JsonObject =>
  call.type === "function"
    ? { type: "tool_use", id: call.id, name: call.function.name, input: toolInput(call.function.arguments) }
    : { type: "tool_use", id: call.id, name: call.custom.name, input: { arguments: call.custom.input } }

/**
 * A canonical response as an Anthropic `Message`: thinking first (the blocks with their signatures, else the
 * reasoning text unsigned), then text, then one `tool_use` per tool call. A refusal's text is kept as text.
 */
export const chatToMessages = (response: ChatResponse, model: string): JsonObject => {
  const choice = response.choices[0]
  const message = choice?.message as (NonNullable<typeof choice>["message"] & ReasoningFields) | undefined
  const content: Array<unknown> = []
  if (message?.thinking_blocks !== undefined && message.thinking_blocks.length > 0) content.push(...message.thinking_blocks)
  else if (message?.reasoning_content) content.push({ type: "thinking", thinking: message.reasoning_content, signature: "" })
  if (message?.content) content.push({ type: "text", text: message.content })
  if (message?.refusal) content.push({ type: "text", text: message.refusal })
  for (const call of message?.tool_calls ?? []) content.push(toolUse(call))
  return {
    id: messageId(response.id),
    type: "message",
    role: "assistant",
    model,
    content,
    stop_reason: stopReason(choice?.finish_reason),
    stop_sequence: null,
    usage: messagesUsage(response.usage)
  }
}
