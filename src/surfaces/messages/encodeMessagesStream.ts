import type { ChatCompletionChunk } from "openai/resources/chat/completions"
import type { CompletionUsage } from "openai/resources/completions"
import type { ChatChunk, ReasoningFields, StreamEncoder } from "../../domain/Chat.ts"
import type { JsonObject } from "../../providers/Provider.ts"
import { messageId } from "./messageId.ts"
import { messagesUsage } from "./messagesUsage.ts"
import { stopReason } from "./stopReason.ts"

type Delta = ChatCompletionChunk.Choice.Delta & ReasoningFields
type ToolCallDelta = ChatCompletionChunk.Choice.Delta.ToolCall

/** One content block of the Anthropic stream; `pending` holds its deltas while it waits for its turn to open. */
interface Block {
  readonly kind: "text" | "thinking" | "redacted_thinking" | "tool_use"
  readonly start: JsonObject
  readonly toolIndex: number | undefined
  readonly pending: Array<JsonObject>
  index: number | undefined
  /** Thinking text so far, to tell a thinking block's full text from its continuation. */
  thinking: string
  /** A signed thinking block or a redacted one takes no more deltas. */
  sealed: boolean
  arguments: string
}

const block = (kind: Block["kind"], start: JsonObject, pending: Array<JsonObject>, toolIndex?: number): Block => ({
  kind, start, pending, toolIndex, index: undefined, thinking: "", sealed: false, arguments: ""
})

const event = (type: string, payload: JsonObject): string => `event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`

const isCompleteJson = (text: string): boolean => {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

/**
 * Canonical chunks as Anthropic's SSE stream. Anthropic has one open content block at a time and never
 * reopens one, while a chat stream may interleave tool calls, so a tool block stays open until its arguments
 * form complete JSON (or the response ends); whatever arrives for other blocks meanwhile is queued with its
 * deltas and replayed, in arrival order, once the blocks before it have closed. Anthropic streams always
 * carry usage, so the surface's `includeUsage` is not read.
 */
export const encodeMessagesStream = (model: string): StreamEncoder => {
  let out: Array<string> = []
  let started = false
  let nextIndex = 0
  let open: Block | undefined
  const queue: Array<Block> = []
  /** Tool index → the block index it streamed under. */
  const closedTools = new Map<number, number>()
  let finishReason: string | null = null
  let usage: CompletionUsage | undefined

  const emit = (type: string, payload: JsonObject) => out.push(event(type, payload))
  const flush = () => {
    const text = out.join("")
    out = []
    return text
  }

  const begin = (chatId: string) => {
    if (started) return
    started = true
    emit("message_start", {
      message: {
        id: messageId(chatId),
        type: "message",
        role: "assistant",
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }
      }
    })
  }

  const openBlock = (next: Block) => {
    next.index = nextIndex++
    open = next
    emit("content_block_start", { index: next.index, content_block: next.start })
    for (const delta of next.pending.splice(0)) emit("content_block_delta", { index: next.index, delta })
  }

  const closeOpen = () => {
    if (open === undefined) return
    emit("content_block_stop", { index: open.index })
    if (open.toolIndex !== undefined && open.index !== undefined) closedTools.set(open.toolIndex, open.index)
    open = undefined
  }

  const canClose = (current: Block) => current.kind !== "tool_use" || isCompleteJson(current.arguments)

  const advance = () => {
    for (let next = queue[0]; next !== undefined && (open === undefined || canClose(open)); next = queue[0]) {
      queue.shift()
      closeOpen()
      openBlock(next)
    }
  }

  const place = (next: Block) => {
    queue.push(next)
    advance()
  }

  const addDelta = (target: Block, delta: JsonObject) => {
    if (target === open) emit("content_block_delta", { index: target.index, delta })
    else target.pending.push(delta)
  }

  /** The block a text or thinking fragment continues: the last one queued, else the open one. */
  const last = () => queue.at(-1) ?? open

  const text = (fragment: string) => {
    const target = last()
    const delta = { type: "text_delta", text: fragment }
    if (target?.kind === "text") addDelta(target, delta)
    else place(block("text", { type: "text", text: "" }, [delta]))
  }

  const thinking = (fragment: string) => {
    const target = last()
    const delta = { type: "thinking_delta", thinking: fragment }
    if (target?.kind === "thinking" && !target.sealed) {
      target.thinking += fragment
      addDelta(target, delta)
    } else {
      const next = block("thinking", { type: "thinking", thinking: "", signature: "" }, [delta])
      next.thinking = fragment
      place(next)
    }
  }

  /**
   * A thinking block with its signature: it ends the thinking block being streamed. Its text usually repeats
   * what came as `reasoning_content`; only the part not streamed yet is sent.
   */
  const signed = (full: string, signature: string) => {
    const target = last()
    const current = target?.kind === "thinking" && !target.sealed ? target : undefined
    const streamed = current?.thinking ?? ""
    const missing = full.startsWith(streamed) ? full.slice(streamed.length) : full
    const deltas: Array<JsonObject> = [
      ...(missing === "" ? [] : [{ type: "thinking_delta", thinking: missing }]),
      { type: "signature_delta", signature }
    ]
    if (current === undefined) {
      const next = block("thinking", { type: "thinking", thinking: "", signature: "" }, deltas)
      next.sealed = true
      place(next)
    } else {
      for (const delta of deltas) addDelta(current, delta)
      current.thinking += missing
      current.sealed = true
    }
  }

  const redacted = (data: string) => {
    const next = block("redacted_thinking", { type: "redacted_thinking", data }, [])
    next.sealed = true
    place(next)
  }

  const toolCall = (call: ToolCallDelta) => {
    const fragment = call.function?.arguments ?? ""
    const delta = { type: "input_json_delta", partial_json: fragment }
    const closedAt = closedTools.get(call.index)
    if (closedAt !== undefined) {
      // Only a malformed upstream adds to arguments that were already complete JSON; the SDKs accumulate
      // deltas by index, so the fragment still reaches its own block.
      if (fragment.trim() !== "") emit("content_block_delta", { index: closedAt, delta })
      return
    }
    const known = open?.toolIndex === call.index ? open : queue.find((queued) => queued.toolIndex === call.index)
    if (known === undefined) {
      const start = { type: "tool_use", id: call.id ?? `toolu_${call.index}`, name: call.function?.name ?? "", input: {} }
      const next = block("tool_use", start, fragment === "" ? [] : [delta], call.index)
      next.arguments = fragment
      place(next)
    } else if (fragment !== "") {
      known.arguments += fragment
      addDelta(known, delta)
      advance()
    }
  }

  return {
    push: (chunk: ChatChunk) => {
      begin(chunk.id)
      if (chunk.usage) usage = chunk.usage
      for (const choice of chunk.choices) {
        const delta = choice.delta as Delta
        if (delta.reasoning_content) thinking(delta.reasoning_content)
        for (const item of delta.thinking_blocks ?? []) {
          if (item.type === "thinking") signed(item.thinking, item.signature)
          else redacted(item.data)
        }
        if (delta.content) text(delta.content)
        if (delta.refusal) text(delta.refusal)
        for (const call of delta.tool_calls ?? []) toolCall(call)
        if (choice.finish_reason) finishReason = choice.finish_reason
      }
      return flush()
    },
    end: () => {
      begin("")
      closeOpen()
      for (const next of queue.splice(0)) {
        openBlock(next)
        closeOpen()
      }
      const { input_tokens, output_tokens, cache_read_input_tokens } = messagesUsage(usage)
      emit("message_delta", {
        delta: { stop_reason: stopReason(finishReason), stop_sequence: null },
        usage: { input_tokens, output_tokens, cache_read_input_tokens }
      })
      emit("message_stop", {})
      return flush()
    },
    fail: (message: string, code: string) =>
      event("error", { error: { type: code.includes("overloaded") ? "overloaded_error" : "api_error", message } })
  }
}
