import type {
  Response,
  ResponseFunctionToolCall,
  ResponseOutputItem,
  ResponseOutputMessage,
  ResponseOutputRefusal,
  ResponseOutputText,
  ResponseReasoningItem,
  ResponseStatus,
  ResponseUsage
} from "openai/resources/responses/responses"
import type { ChatChunk, ReasoningFields, StreamEncoder } from "../../domain/Chat.ts"
import { newId } from "./newId.ts"
import { responseBody } from "./responseBody.ts"
import { statusOf } from "./statusOf.ts"
import { usageToResponses } from "./usageToResponses.ts"

type Choice = ChatChunk["choices"][number]
type ToolCallDelta = NonNullable<Choice["delta"]["tool_calls"]>[number]

/** An output item still receiving deltas, at its `output_index`. */
interface Open<Item> {
  readonly index: number
  readonly item: Item
}

interface OpenReasoning extends Open<ResponseReasoningItem> {
  readonly part: { readonly type: "reasoning_text"; text: string }
}

const now = () => Math.floor(Date.now() / 1000)

/**
 * Canonical chunks as the Responses event stream. Text, reasoning and each tool call index become output items
 * in the order they start; a text or reasoning item ends when another kind of output begins, tool call items
 * stay open until the finish reason, so fragments of interleaved calls each reach their own item. Anthropic's
 * `thinking_blocks` signatures have no place in a Responses item; their text arrives as `reasoning_content`.
 */
export const encodeResponsesStream = (model: string): StreamEncoder => {
  const id = newId("resp")
  const output: Array<ResponseOutputItem> = []
  const calls = new Map<number, Open<ResponseFunctionToolCall>>()
  let message: Open<ResponseOutputMessage> | undefined
  let reasoning: OpenReasoning | undefined
  let createdAt = 0
  let started = false
  let sequence = 0
  let finishReason: Choice["finish_reason"] = null
  let usage: ResponseUsage | undefined
  let buffer = ""

  const emit = (type: string, fields: object) => {
    buffer += `event: ${type}\ndata: ${JSON.stringify({ type, ...fields, sequence_number: sequence++ })}\n\n`
  }
  const flush = () => {
    const text = buffer
    buffer = ""
    return text
  }
  const itemStatus = () => statusOf(finishReason).status
  const snapshot = (
    status: ResponseStatus,
    incompleteDetails: Response.IncompleteDetails | null = null,
    error?: { code: string; message: string }
  ) => responseBody({ id, createdAt, model, status, output, usage, incompleteDetails, ...(error ? { error } : {}) })

  const start = (created: number) => {
    if (started) return
    started = true
    createdAt = created
    const response = snapshot("in_progress")
    emit("response.created", { response })
    emit("response.in_progress", { response })
  }

  const closeMessage = () => {
    if (message === undefined) return
    const { index, item } = message
    closePart(message)
    item.status = itemStatus()
    emit("response.output_item.done", { output_index: index, item })
    message = undefined
  }
  const closePart = ({ index, item }: Open<ResponseOutputMessage>) => {
    const content_index = item.content.length - 1
    const part = item.content[content_index]
    if (part === undefined) return
    const at = { item_id: item.id, output_index: index, content_index }
    if (part.type === "output_text") emit("response.output_text.done", { ...at, text: part.text, logprobs: [] })
    else emit("response.refusal.done", { ...at, refusal: part.refusal })
    emit("response.content_part.done", { ...at, part })
  }
  const openMessage = (): Open<ResponseOutputMessage> => {
    if (message !== undefined) return message
    closeReasoning()
    const item: ResponseOutputMessage = { id: newId("msg"), type: "message", status: "in_progress", role: "assistant", content: [] }
    message = { index: output.push(item) - 1, item }
    emit("response.output_item.added", { output_index: message.index, item })
    return message
  }
  const messageDelta = (kind: "output_text" | "refusal", delta: string) => {
    const open = openMessage()
    const { index, item } = open
    let part = item.content.at(-1)
    if (part?.type !== kind) {
      closePart(open)
      const next: ResponseOutputText | ResponseOutputRefusal = kind === "output_text"
        ? { type: "output_text", text: "", annotations: [], logprobs: [] }
        : { type: "refusal", refusal: "" }
      item.content.push(next)
      emit("response.content_part.added", { item_id: item.id, output_index: index, content_index: item.content.length - 1, part: next })
      part = next
    }
    const at = { item_id: item.id, output_index: index, content_index: item.content.length - 1 }
    if (part.type === "output_text") {
      part.text += delta
      emit("response.output_text.delta", { ...at, delta, logprobs: [] })
    } else {
      part.refusal += delta
      emit("response.refusal.delta", { ...at, delta })
    }
  }

  const closeReasoning = () => {
    if (reasoning === undefined) return
    const { index, item, part } = reasoning
    const at = { item_id: item.id, output_index: index, content_index: 0 }
    emit("response.reasoning_text.done", { ...at, text: part.text })
    emit("response.content_part.done", { ...at, part })
    item.status = itemStatus()
    emit("response.output_item.done", { output_index: index, item })
    reasoning = undefined
  }
  const reasoningDelta = (delta: string) => {
    if (reasoning === undefined) {
      closeMessage()
      const part = { type: "reasoning_text" as const, text: "" }
      const content: Array<typeof part> = []
      const item: ResponseReasoningItem = { id: newId("rs"), type: "reasoning", summary: [], content }
      reasoning = { index: output.push(item) - 1, item, part }
      emit("response.output_item.added", { output_index: reasoning.index, item })
      content.push(part)
      emit("response.content_part.added", { item_id: item.id, output_index: reasoning.index, content_index: 0, part })
    }
    reasoning.part.text += delta
    emit("response.reasoning_text.delta", { item_id: reasoning.item.id, output_index: reasoning.index, content_index: 0, delta })
  }

  const callDelta = (call: ToolCallDelta) => {
    let open = calls.get(call.index)
    if (open === undefined) {
      closeMessage()
      closeReasoning()
      const item: ResponseFunctionToolCall = {
        type: "function_call",
        id: newId("fc"),
        call_id: call.id ?? newId("call"),
        name: call.function?.name ?? "",
        arguments: "",
        status: "in_progress"
      }
      open = { index: output.push(item) - 1, item }
      calls.set(call.index, open)
      emit("response.output_item.added", { output_index: open.index, item })
    }
    const fragment = call.function?.arguments
    if (fragment) {
      open.item.arguments += fragment
      emit("response.function_call_arguments.delta", { item_id: open.item.id, output_index: open.index, delta: fragment })
    }
  }
  const closeCalls = () => {
    for (const { index, item } of calls.values()) {
      emit("response.function_call_arguments.done", { item_id: item.id, output_index: index, arguments: item.arguments })
      item.status = itemStatus()
      emit("response.output_item.done", { output_index: index, item })
    }
    calls.clear()
  }
  const closeAll = () => {
    closeMessage()
    closeReasoning()
    closeCalls()
  }

  return {
    push: (chunk) => {
      start(chunk.created)
      if (chunk.usage) usage = usageToResponses(chunk.usage)
      // Only the first choice: a Responses request never asks for more (`n` has no Responses equivalent).
      const choice = chunk.choices.find((c) => c.index === 0)
      if (choice !== undefined) {
        const delta: Choice["delta"] & ReasoningFields = choice.delta
        if (delta.reasoning_content) reasoningDelta(delta.reasoning_content)
        if (delta.content) messageDelta("output_text", delta.content)
        if (delta.refusal) messageDelta("refusal", delta.refusal)
        for (const call of delta.tool_calls ?? []) callDelta(call)
        if (choice.finish_reason) {
          finishReason = choice.finish_reason
          closeAll()
        }
      }
      return flush()
    },
    end: () => {
      start(now())
      closeAll()
      const outcome = statusOf(finishReason)
      const type = outcome.status === "completed" ? "response.completed" : "response.incomplete"
      emit(type, { response: snapshot(outcome.status, outcome.incomplete_details) })
      return flush()
    },
    fail: (failure, code) => {
      start(now())
      emit("error", { code, message: failure, param: null })
      emit("response.failed", { response: snapshot("failed", null, { code, message: failure }) })
      return flush()
    }
  }
}
