import type { ChatCompletionMessageFunctionToolCall } from "openai/resources/chat/completions"
import type { GeminiFunctionCall } from "./GeminiWire.ts"
import { toolCallId } from "./toolCallId.ts"

/** Google's own OpenAI-compatible endpoint's place for a thought signature on a tool call. */
export type ToolCallWithSignature = ChatCompletionMessageFunctionToolCall & {
  readonly extra_content?: { readonly google: { readonly thought_signature: string } }
}

/**
 * A `functionCall` part as a canonical tool call; `n` is its position in the response and `responseId`
 * Gemini's id of the response, which make a generated id unique across a conversation and stable for tests.
 */
export const geminiToolCall = (
  call: GeminiFunctionCall,
  signature: string | undefined,
  n: number,
  responseId: string
): ToolCallWithSignature => ({
  id: toolCallId.encode(call.id, signature, () => `${responseId.replace(/[^A-Za-z0-9-]/g, "")}_${n}`),
  type: "function",
  function: { name: call.name, arguments: JSON.stringify(call.args ?? {}) },
  ...(signature === undefined || signature === "" ? {} : { extra_content: { google: { thought_signature: signature } } })
})
