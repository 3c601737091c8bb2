import { Predicate, Result } from "effect"
import type { Translated } from "../../domain/Chat.ts"
import type { JsonObject } from "../Provider.ts"
import { unsupported } from "../../domain/unsupported.ts"

type Fields = { readonly [key: string]: unknown }
type Blocks = Array<JsonObject>
type Turn = { readonly role: "user" | "assistant"; readonly content: Blocks }

const base64Url = /^data:([^;,]+);base64,(.*)$/s
const imageTypes = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"])

/** Anthropic refuses empty text blocks, so empty text makes none. */
const text = (value: string): Blocks => value === "" ? [] : [{ type: "text", text: value }]

/** A text part's text; `also` names another part type whose string field reads as text (assistant `refusal`). */
const partText = (part: unknown, path: string, also?: "refusal"): Translated<string> => {
  if (!Predicate.isObject(part)) return unsupported(path, "A content part must be an object.")
  const field = part.type === "text" ? "text" : also !== undefined && part.type === also ? also : undefined
  if (field === undefined) return unsupported(`${path}.type`, `Anthropic cannot take a '${String(part.type)}' part here.`)
  const value = part[field]
  return Predicate.isString(value) ? Result.succeed(value) : unsupported(`${path}.${field}`, "Must be a string.")
}

const textBlocks = (content: unknown, path: string, also?: "refusal"): Translated<Blocks> =>
  Result.gen(function*() {
    if (Predicate.isString(content)) return text(content)
    if (!Array.isArray(content)) return yield* unsupported(path, "Content must be a string or an array of parts.")
    const blocks: Blocks = []
    for (const [j, part] of content.entries()) blocks.push(...text(yield* partText(part, `${path}[${j}]`, also)))
    return blocks
  })

// `detail` (a resolution hint) has no Anthropic counterpart and is ignored.
const image = (part: Fields, path: string): Translated<JsonObject> => {
  const url = Predicate.isObject(part.image_url) ? part.image_url.url : undefined
  if (!Predicate.isString(url)) return unsupported(`${path}.image_url.url`, "An image part needs an image_url.url string.")
  const data = base64Url.exec(url)
  if (data !== null) {
    const mediaType = data[1]!.toLowerCase()
    if (!imageTypes.has(mediaType)) {
      return unsupported(`${path}.image_url.url`, `Anthropic accepts JPEG, PNG, GIF and WebP images, not ${mediaType}.`)
    }
    return Result.succeed({ type: "image", source: { type: "base64", media_type: mediaType, data: data[2]! } })
  }
  if (/^https?:\/\//i.test(url)) return Result.succeed({ type: "image", source: { type: "url", url } })
  return unsupported(`${path}.image_url.url`, "An image must be a base64 data: URL or an http(s) URL.")
}

// A file's `filename` only labels it and is ignored; Anthropic reads inline PDFs as documents.
const file = (part: Fields, path: string): Translated<JsonObject> => {
  const data = Predicate.isObject(part.file) && Predicate.isString(part.file.file_data) ? base64Url.exec(part.file.file_data) : null
  if (data === null || data[1]!.toLowerCase() !== "application/pdf") {
    return unsupported(`${path}.file`, "Anthropic takes files only as PDFs given inline as a base64 data: URL in file_data.")
  }
  return Result.succeed({ type: "document", source: { type: "base64", media_type: "application/pdf", data: data[2]! } })
}

const userBlocks = (content: unknown, path: string): Translated<Blocks> =>
  Result.gen(function*() {
    if (!Array.isArray(content)) return yield* textBlocks(content, path)
    const blocks: Blocks = []
    for (const [j, part] of content.entries()) {
      const partPath = `${path}[${j}]`
      if (Predicate.isObject(part) && part.type === "image_url") blocks.push(yield* image(part, partPath))
      else if (Predicate.isObject(part) && part.type === "file") blocks.push(yield* file(part, partPath))
      else blocks.push(...text(yield* partText(part, partPath)))
    }
    return blocks
  })

const thinkingBlocks = (value: unknown, path: string): Translated<Blocks> =>
  Result.gen(function*() {
    if (value === undefined || value === null) return []
    if (!Array.isArray(value)) return yield* unsupported(path, "thinking_blocks must be an array.")
    const blocks: Blocks = []
    for (const [k, block] of value.entries()) {
      if (Predicate.isObject(block) && block.type === "thinking" && Predicate.isString(block.thinking) && Predicate.isString(block.signature)) {
        blocks.push({ type: "thinking", thinking: block.thinking, signature: block.signature })
      } else if (Predicate.isObject(block) && block.type === "redacted_thinking" && Predicate.isString(block.data)) {
        blocks.push({ type: "redacted_thinking", data: block.data })
      } else {
        return yield* unsupported(`${path}[${k}]`, "A thinking block is {type:'thinking',thinking,signature} or {type:'redacted_thinking',data}.")
      }
    }
    return blocks
  })

const parseArguments = (value: unknown): unknown => {
  // Some models emit "" for a call without arguments; it means {}.
  if (value === "") return {}
  try {
    return Predicate.isString(value) ? JSON.parse(value) : undefined
  } catch {
    return undefined
  }
}

const toolUse = (call: unknown, path: string): Translated<JsonObject> => {
  if (!Predicate.isObject(call) || call.type !== "function") return unsupported(`${path}.type`, "Anthropic takes only function tool calls.")
  const fn = call.function
  if (!Predicate.isString(call.id)) return unsupported(`${path}.id`, "A tool call needs an id.")
  if (!Predicate.isObject(fn) || !Predicate.isString(fn.name)) return unsupported(`${path}.function.name`, "A tool call needs a function name.")
  const input = parseArguments(fn.arguments)
  if (!Predicate.isObject(input)) {
    return unsupported(`${path}.function.arguments`, "Anthropic needs tool call arguments that are a JSON object.")
  }
  return Result.succeed({ type: "tool_use", id: call.id, name: fn.name, input })
}

/**
 * An assistant turn: thinking blocks first (Anthropic wants them before the text and tool calls they led
 * to), then text, then tool calls. `reasoning_content` alone is ignored: Anthropic takes thinking back only
 * with its signature, which rides in `thinking_blocks`.
 */
const assistantBlocks = (message: Fields, path: string): Translated<Blocks> =>
  Result.gen(function*() {
    for (const field of ["audio", "function_call"]) {
      if (message[field] !== undefined && message[field] !== null) {
        return yield* unsupported(`${path}.${field}`, `Anthropic has no assistant '${field}'.`)
      }
    }
    const blocks = yield* thinkingBlocks(message.thinking_blocks, `${path}.thinking_blocks`)
    if (message.content !== undefined && message.content !== null) {
      blocks.push(...yield* textBlocks(message.content, `${path}.content`, "refusal"))
    }
    if (Predicate.isString(message.refusal)) blocks.push(...text(message.refusal))
    const calls = message.tool_calls ?? []
    if (!Array.isArray(calls)) return yield* unsupported(`${path}.tool_calls`, "tool_calls must be an array.")
    for (const [j, call] of calls.entries()) blocks.push(yield* toolUse(call, `${path}.tool_calls[${j}]`))
    return blocks
  })

const toolResult = (message: Fields, path: string): Translated<Blocks> =>
  Result.gen(function*() {
    if (!Predicate.isString(message.tool_call_id)) return yield* unsupported(`${path}.tool_call_id`, "A tool message needs a tool_call_id.")
    const content = Predicate.isString(message.content) ? message.content : yield* textBlocks(message.content, `${path}.content`)
    return [{ type: "tool_result", tool_use_id: message.tool_call_id, ...(content.length === 0 ? {} : { content }) }]
  })

const turnOf = (message: Fields, path: string): Translated<Turn> =>
  Result.gen(function*() {
    switch (message.role) {
      case "user":
        return { role: "user", content: yield* userBlocks(message.content, `${path}.content`) }
      case "assistant":
        return { role: "assistant", content: yield* assistantBlocks(message, path) }
      case "tool":
        return { role: "user", content: yield* toolResult(message, path) }
      default:
        return yield* unsupported(`${path}.role`, `Anthropic cannot take a '${String(message.role)}' message.`)
    }
  })

/**
 * Chat messages as Anthropic's `system` and alternating `messages`. System and developer messages go to
 * `system` wherever they stand; tool results become user turns; adjacent turns of one role are merged, so
 * consecutive tool messages make one user turn; a turn with no content is dropped.
 */
export const toAnthropicMessages = (
  messages: unknown
): Translated<{ readonly system: string | Blocks | undefined; readonly messages: Array<Turn> }> =>
  Result.gen(function*() {
    if (!Array.isArray(messages)) return yield* unsupported("messages", "messages must be an array.")
    const system: Blocks = []
    const turns: Array<Turn> = []
    for (const [i, message] of messages.entries()) {
      const path = `messages[${i}]`
      if (!Predicate.isObject(message)) return yield* unsupported(path, "A message must be an object.")
      if (Predicate.isString(message.name) && message.name !== "") {
        return yield* unsupported(`${path}.name`, "Anthropic messages have no participant names.")
      }
      if (message.role === "system" || message.role === "developer") {
        system.push(...yield* textBlocks(message.content, `${path}.content`))
        continue
      }
      const turn = yield* turnOf(message, path)
      const last = turns.at(-1)
      if (last?.role === turn.role) last.content.push(...turn.content)
      else if (turn.content.length > 0) turns.push(turn)
    }
    const only = system.length === 1 ? system[0]!.text : undefined
    return { system: system.length === 0 ? undefined : Predicate.isString(only) ? only : system, messages: turns }
  })
