import type { ChatCompletionMessage } from "openai/resources/chat/completions"
import type { ChatResponse, ReasoningFields } from "../../domain/Chat.ts"
import { asGeminiResponse } from "./asGeminiResponse.ts"
import { geminiFinishReason } from "./geminiFinishReason.ts"
import { geminiParts } from "./geminiParts.ts"
import { geminiToolCall, type ToolCallWithSignature } from "./geminiToolCall.ts"
import { geminiUsage } from "./geminiUsage.ts"

/** A non-stream GenerateContentResponse as a chat completion; undefined when the body is not one. */
export const geminiToChat = (body: unknown): ChatResponse | undefined => {
  const response = asGeminiResponse(body)
  if (response === undefined) return undefined
  const responseId = response.responseId ?? crypto.randomUUID()
  const candidate = response.candidates?.[0]
  let text: string | null = null
  let reasoning: string | null = null
  const toolCalls: Array<ToolCallWithSignature> = []
  for (const output of geminiParts(candidate)) {
    if (output.kind === "text") text = (text ?? "") + output.text
    else if (output.kind === "thought") reasoning = (reasoning ?? "") + output.text
    else toolCalls.push(geminiToolCall(output.call, output.signature, toolCalls.length, responseId))
  }
  const message: ChatCompletionMessage & ReasoningFields = {
    role: "assistant",
    content: text,
    refusal: null,
    ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
    ...(reasoning === null ? {} : { reasoning_content: reasoning })
  }
  return {
    id: responseId,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: response.modelVersion ?? "",
    choices: [{
      index: 0,
      message,
      // A blocked prompt has no candidates, only promptFeedback.blockReason.
      finish_reason: candidate === undefined && response.promptFeedback?.blockReason !== undefined
        ? "content_filter"
        : geminiFinishReason(candidate?.finishReason, toolCalls.length > 0),
      logprobs: null
    }],
    usage: geminiUsage(response.usageMetadata)
  }
}
