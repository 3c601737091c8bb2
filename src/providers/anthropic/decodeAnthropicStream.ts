import { Predicate } from "effect"
import type { ChatChunk, ReasoningFields, StreamDecoder, StreamFailure } from "../../domain/Chat.ts"
import { toFinishReason } from "./toFinishReason.ts"
import { usageToChat } from "./usageToChat.ts"

type Choice = ChatChunk["choices"][number]
type Delta = Choice["delta"] & ReasoningFields
type Fields = { readonly [key: string]: unknown }

/** What an open content block (by Anthropic's block index) turns into. */
type Block =
  | { readonly kind: "text" }
  | { readonly kind: "tool"; readonly index: number }
  | { readonly kind: "thinking"; thinking: string; signature: string }
  | { readonly kind: "other" }

const errorStatus: Record<string, number> = { overloaded_error: 503, rate_limit_error: 429 }

const failure = (data: Fields): StreamFailure => {
  const error = Predicate.isObject(data.error) ? data.error : {}
  const type = Predicate.isString(error.type) ? error.type : "error"
  const message = Predicate.isString(error.message) ? error.message : "Anthropic stream error"
  return { failure: `${type}: ${message}`, status: errorStatus[type] ?? 502 }
}

const present = (value: unknown) => value !== undefined && value !== null

const definedOnly = (usage: unknown): Fields =>
  Predicate.isObject(usage) ? Object.fromEntries(Object.entries(usage).filter(([, value]) => present(value))) : {}

/**
 * Anthropic's Messages SSE events as chat chunks. Each `tool_use` block becomes one tool call whose index
 * counts tool blocks only; a thinking block streams as `reasoning_content` and is sent whole, with its
 * signature, in `thinking_blocks` when it closes. Usage is the `message_start` figures updated by
 * `message_delta`'s, sent once at `message_stop`. Event types added later are skipped, as Anthropic's
 * versioning policy asks of clients.
 */
export const decodeAnthropicStream = (): StreamDecoder => {
  const created = Math.floor(Date.now() / 1000)
  const blocks = new Map<number, Block>()
  let id = ""
  let model = ""
  let usage: Fields = {}
  let tools = 0
  let done = false

  const chunk = (choices: Array<Choice>): ChatChunk => ({ id, object: "chat.completion.chunk", created, model, choices })
  const delta = (value: Delta, finish: Choice["finish_reason"] = null): Array<ChatChunk> =>
    [chunk([{ index: 0, delta: value, finish_reason: finish, logprobs: null }])]

  const start = (index: unknown, block: unknown): Array<ChatChunk> => {
    if (!Predicate.isNumber(index) || !Predicate.isObject(block)) return []
    if (block.type === "text") {
      blocks.set(index, { kind: "text" })
      return Predicate.isString(block.text) && block.text !== "" ? delta({ content: block.text }) : []
    }
    if (block.type === "tool_use" && Predicate.isString(block.id) && Predicate.isString(block.name)) {
      const tool = tools++
      blocks.set(index, { kind: "tool", index: tool })
      return delta({ tool_calls: [{ index: tool, id: block.id, type: "function", function: { name: block.name, arguments: "" } }] })
    }
    if (block.type === "thinking") {
      const thinking = Predicate.isString(block.thinking) ? block.thinking : ""
      blocks.set(index, { kind: "thinking", thinking, signature: Predicate.isString(block.signature) ? block.signature : "" })
      return thinking === "" ? [] : delta({ reasoning_content: thinking })
    }
    blocks.set(index, { kind: "other" })
    return block.type === "redacted_thinking" && Predicate.isString(block.data)
      ? delta({ thinking_blocks: [{ type: "redacted_thinking", data: block.data }] })
      : []
  }

  const blockDelta = (index: unknown, value: unknown): Array<ChatChunk> => {
    const block = Predicate.isNumber(index) ? blocks.get(index) : undefined
    if (block === undefined || !Predicate.isObject(value)) return []
    if (block.kind === "text" && value.type === "text_delta" && Predicate.isString(value.text) && value.text !== "") {
      return delta({ content: value.text })
    }
    if (block.kind === "tool" && value.type === "input_json_delta" && Predicate.isString(value.partial_json) && value.partial_json !== "") {
      return delta({ tool_calls: [{ index: block.index, function: { arguments: value.partial_json } }] })
    }
    if (block.kind === "thinking" && value.type === "thinking_delta" && Predicate.isString(value.thinking)) {
      block.thinking += value.thinking
      return value.thinking === "" ? [] : delta({ reasoning_content: value.thinking })
    }
    if (block.kind === "thinking" && value.type === "signature_delta" && Predicate.isString(value.signature)) {
      block.signature += value.signature
    }
    return []
  }

  const stop = (index: unknown): Array<ChatChunk> => {
    const block = Predicate.isNumber(index) ? blocks.get(index) : undefined
    return block?.kind === "thinking"
      ? delta({ thinking_blocks: [{ type: "thinking", thinking: block.thinking, signature: block.signature }] })
      : []
  }

  const push = (event: string | undefined, data: unknown): ReadonlyArray<ChatChunk> | StreamFailure => {
    if (!Predicate.isObject(data)) return { failure: "An Anthropic stream event is not a JSON object" }
    switch (Predicate.isString(data.type) ? data.type : event) {
      case "message_start": {
        const message = Predicate.isObject(data.message) ? data.message : {}
        id = Predicate.isString(message.id) ? message.id : id
        model = Predicate.isString(message.model) ? message.model : model
        usage = definedOnly(message.usage)
        return delta({ role: "assistant", content: "" })
      }
      case "content_block_start":
        return start(data.index, data.content_block)
      case "content_block_delta":
        return blockDelta(data.index, data.delta)
      case "content_block_stop":
        return stop(data.index)
      case "message_delta": {
        // Its usage figures are cumulative: they replace those of message_start.
        usage = { ...usage, ...definedOnly(data.usage) }
        const stopReason = Predicate.isObject(data.delta) ? data.delta.stop_reason : undefined
        return present(stopReason) ? delta({}, toFinishReason(stopReason)) : []
      }
      case "message_stop":
        done = true
        return [{ ...chunk([]), usage: usageToChat(usage) }]
      case "error":
        return failure(data)
      default:
        return []
    }
  }

  return { push, complete: () => done }
}
