import type { ChatCompletionMessage } from "openai/resources/chat/completions"
import type {
  ResponseOutputItem,
  ResponseOutputRefusal,
  ResponseOutputText
} from "openai/resources/responses/responses"
import type { ChatResponse, ReasoningFields } from "../../domain/Chat.ts"
import type { JsonObject } from "../../providers/Provider.ts"
import { newId } from "./newId.ts"
import { responseBody } from "./responseBody.ts"
import { statusOf } from "./statusOf.ts"
import { usageToResponses } from "./usageToResponses.ts"

const textPart = (message: ChatCompletionMessage, text: string): ResponseOutputText => ({
  type: "output_text",
  text,
  annotations: (message.annotations ?? []).map(({ url_citation }) => ({ type: "url_citation", ...url_citation })),
  logprobs: []
})

/**
 * A canonical response as a Responses `Response`: reasoning, then the message, then one function call item per
 * tool call, as OpenAI orders them. Custom tool calls cannot occur: they answer custom tools, which are refused.
 */
export const chatToResponses = (response: ChatResponse, model: string): JsonObject => {
  const choice = response.choices[0]
  const outcome = statusOf(choice?.finish_reason)
  const status = outcome.status
  const output: Array<ResponseOutputItem> = []
  if (choice !== undefined) {
    const message: ChatCompletionMessage & ReasoningFields = choice.message
    if (message.reasoning_content) {
      output.push({
        type: "reasoning",
        id: newId("rs"),
        summary: [],
        content: [{ type: "reasoning_text", text: message.reasoning_content }],
        status
      })
    }
    const content: Array<ResponseOutputText | ResponseOutputRefusal> = []
    if (message.content) content.push(textPart(message, message.content))
    if (message.refusal) content.push({ type: "refusal", refusal: message.refusal })
    if (content.length > 0) output.push({ type: "message", id: newId("msg"), status, role: "assistant", content })
    for (const call of message.tool_calls ?? []) {
      if (call.type !== "function") continue
      output.push({
        type: "function_call",
        id: newId("fc"),
        call_id: call.id,
        name: call.function.name,
        arguments: call.function.arguments,
        status
      })
    }
  }
  return responseBody({
    id: newId("resp"),
    createdAt: response.created,
    model,
    status,
    incompleteDetails: outcome.incomplete_details,
    output,
    usage: response.usage === undefined ? undefined : usageToResponses(response.usage)
  })
}
