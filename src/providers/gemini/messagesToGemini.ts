import { Predicate, Result } from "effect"
import type {
  ChatCompletionAssistantMessageParam,
  ChatCompletionMessageParam,
  ChatCompletionToolMessageParam
} from "openai/resources/chat/completions"
import type { Translated } from "../../domain/Chat.ts"
import type { GeminiContent, GeminiPart, GeminiRole } from "./GeminiWire.ts"
import { textsOf } from "./textsOf.ts"
import { toolCallId } from "./toolCallId.ts"
import { unsupported } from "../../domain/unsupported.ts"
import { userPartToGemini } from "./userPartToGemini.ts"

type ToolCallNames = Map<string, string>

const thoughtSignatureOf = (call: unknown): string | undefined => {
  const extra = Predicate.isObject(call) ? call.extra_content : undefined
  const google = Predicate.isObject(extra) ? extra.google : undefined
  const signature = Predicate.isObject(google) ? google.thought_signature : undefined
  return Predicate.isString(signature) && signature !== "" ? signature : undefined
}

const parseObject = (text: string): { readonly [key: string]: unknown } | undefined => {
  try {
    const value: unknown = JSON.parse(text)
    return Predicate.isObject(value) && !Array.isArray(value) ? value as { readonly [key: string]: unknown } : undefined
  } catch {
    return undefined
  }
}

/**
 * An assistant message as a model turn. `reasoning_content` and `thinking_blocks` are not replayed: Gemini
 * cannot take back its thoughts, only the signatures of its function calls, which ride on the tool calls.
 */
const assistantParts = (message: ChatCompletionAssistantMessageParam, path: string, names: ToolCallNames) =>
  Result.gen(function*() {
    if (message.audio != null) return yield* unsupported(`${path}.audio`, "Gemini cannot replay audio answers")
    if (message.function_call != null) {
      return yield* unsupported(`${path}.function_call`, "Deprecated function calls are not supported; use tool_calls")
    }
    const texts = [...yield* textsOf(message.content, `${path}.content`)]
    if (Predicate.isString(message.refusal) && message.refusal !== "") texts.push(message.refusal)
    const parts: Array<GeminiPart> = texts.map((text) => ({ text }))
    for (const [j, call] of (message.tool_calls ?? []).entries()) {
      const callPath = `${path}.tool_calls[${j}]`
      if (call.type !== "function") return yield* unsupported(`${callPath}.type`, "Gemini supports only function tools")
      const raw = call.function.arguments
      const args = raw.trim() === "" ? {} : parseObject(raw)
      if (args === undefined) {
        return yield* unsupported(`${callPath}.function.arguments`, "Gemini needs function call arguments that are a JSON object")
      }
      const { geminiId, signature } = toolCallId.decode(call.id)
      const thoughtSignature = thoughtSignatureOf(call) ?? signature
      names.set(call.id, call.function.name)
      parts.push({
        functionCall: { ...(geminiId === undefined ? {} : { id: geminiId }), name: call.function.name, args },
        ...(thoughtSignature === undefined ? {} : { thoughtSignature })
      })
    }
    return parts
  })

const toolResponsePart = (message: ChatCompletionToolMessageParam, path: string, names: ToolCallNames) =>
  Result.gen(function*() {
    const name = names.get(message.tool_call_id)
    if (name === undefined) {
      return yield* unsupported(`${path}.tool_call_id`, "Gemini needs the function's name, and no earlier assistant tool call has this id")
    }
    const content = (yield* textsOf(message.content, `${path}.content`)).join("")
    const { geminiId } = toolCallId.decode(message.tool_call_id)
    const part: GeminiPart = {
      functionResponse: {
        ...(geminiId === undefined ? {} : { id: geminiId }),
        name,
        response: parseObject(content) ?? { result: content }
      }
    }
    return part
  })

/**
 * Chat messages as Gemini contents. System and developer messages, wherever they are, become the one
 * systemInstruction; adjacent messages of one role share a turn (tool results with the user turn they
 * belong to), since Gemini expects turns to alternate.
 */
export const messagesToGemini = (
  messages: ReadonlyArray<ChatCompletionMessageParam>
): Translated<{ readonly contents: ReadonlyArray<GeminiContent>; readonly systemInstruction?: GeminiContent }> =>
  Result.gen(function*() {
    const system: Array<GeminiPart> = []
    const contents: Array<{ role: GeminiRole; parts: Array<GeminiPart> }> = []
    const names: ToolCallNames = new Map()
    const add = (role: GeminiRole, parts: ReadonlyArray<GeminiPart>) => {
      const last = contents.at(-1)
      if (parts.length === 0) return
      if (last?.role === role) last.parts.push(...parts)
      else contents.push({ role, parts: [...parts] })
    }
    for (const [i, message] of messages.entries()) {
      const path = `messages[${i}]`
      if (message.role !== "function" && "name" in message && message.name !== undefined && message.name !== "") {
        return yield* unsupported(`${path}.name`, "Gemini has no participant names")
      }
      switch (message.role) {
        case "system":
        case "developer":
          system.push(...(yield* textsOf(message.content, `${path}.content`)).map((text) => ({ text })))
          break
        case "user":
          if (Predicate.isString(message.content)) add("user", message.content === "" ? [] : [{ text: message.content }])
          else if (!Array.isArray(message.content)) {
            return yield* unsupported(`${path}.content`, "Content must be a string or an array of parts")
          } else {
            for (const [j, part] of message.content.entries()) {
              add("user", yield* userPartToGemini(part, `${path}.content[${j}]`))
            }
          }
          break
        case "assistant":
          add("model", yield* assistantParts(message, path, names))
          break
        case "tool":
          add("user", [yield* toolResponsePart(message, path, names)])
          break
        default:
          return yield* unsupported(`${path}.role`, `Role '${message.role}' is not supported by Gemini`)
      }
    }
    return system.length > 0 ? { contents, systemInstruction: { parts: system } } : { contents }
  })
