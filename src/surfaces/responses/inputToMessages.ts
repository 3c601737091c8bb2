import { Predicate, Result } from "effect"
import type {
  ChatCompletionContentPartImage,
  ChatCompletionContentPartRefusal,
  ChatCompletionContentPartText,
  ChatCompletionMessageFunctionToolCall,
  ChatCompletionMessageParam,
  ChatCompletionSystemMessageParam,
  ChatCompletionUserMessageParam
} from "openai/resources/chat/completions"
import type { Translated } from "../../domain/Chat.ts"
import type { JsonObject } from "../../providers/Provider.ts"
import { type ChatPart, partToChat } from "./partToChat.ts"
import { unsupported } from "../../domain/unsupported.ts"
import { typed } from "./typed.ts"

/** An assistant message under construction: function calls and reasoning join it as items arrive. */
interface Assistant {
  role: "assistant"
  content: string | Array<ChatCompletionContentPartText | ChatCompletionContentPartRefusal> | null
  tool_calls?: Array<ChatCompletionMessageFunctionToolCall>
  reasoning_content?: string
}

const isText = (part: ChatPart): part is ChatCompletionContentPartText => part.type === "text"
const isUserPart = (part: ChatPart): part is ChatCompletionContentPartText | ChatCompletionContentPartImage =>
  part.type !== "refusal"
const isAssistantPart = (part: ChatPart): part is ChatCompletionContentPartText | ChatCompletionContentPartRefusal =>
  part.type !== "image_url"

const contentToChat = (content: unknown, path: string): Translated<string | Array<ChatPart>> =>
  Result.gen(function*() {
    if (Predicate.isString(content)) return content
    const parts = yield* typed(content, path, "array")
    const converted: Array<ChatPart> = []
    for (const [j, part] of parts.entries()) converted.push(yield* partToChat(part, `${path}[${j}]`))
    return converted
  })

const misplaced = (parts: ReadonlyArray<ChatPart>, allowed: (part: ChatPart) => boolean, path: string, role: string) => {
  const j = parts.findIndex((part) => !allowed(part))
  return unsupported(`${path}[${j}].type`, `A '${parts[j]?.type}' part cannot appear in a ${role} message.`)
}

/**
 * A message item (or a role-only item) as a chat message. `developer` becomes `system`: OpenAI treats the two
 * alike, and many OpenAI-compatible servers' chat templates know no `developer` role. `id`, `status` and `phase`
 * are bookkeeping of the Responses API and are ignored.
 */
const messageToChat = (
  item: JsonObject,
  path: string
): Translated<ChatCompletionUserMessageParam | ChatCompletionSystemMessageParam | Assistant> =>
  Result.gen(function*() {
    const content = yield* contentToChat(item.content, `${path}.content`)
    switch (item.role) {
      case "user":
        if (Predicate.isString(content)) return { role: "user", content }
        if (!content.every(isUserPart)) return yield* misplaced(content, isUserPart, `${path}.content`, "user")
        return { role: "user", content }
      case "system":
      case "developer":
        if (Predicate.isString(content)) return { role: "system", content }
        if (!content.every(isText)) return yield* misplaced(content, isText, `${path}.content`, String(item.role))
        return { role: "system", content }
      case "assistant":
        if (Predicate.isString(content)) return { role: "assistant", content }
        if (!content.every(isAssistantPart)) return yield* misplaced(content, isAssistantPart, `${path}.content`, "assistant")
        return { role: "assistant", content }
      default:
        return yield* unsupported(`${path}.role`, `'${path}.role' must be one of user, assistant, system, developer.`)
    }
  })

const toolOutputToChat = (output: unknown, path: string): Translated<string | Array<ChatCompletionContentPartText>> =>
  Result.gen(function*() {
    if (Predicate.isString(output)) return output
    const parts = yield* typed(output, path, "array")
    const texts: Array<ChatCompletionContentPartText> = []
    for (const [j, part] of parts.entries()) {
      const fields = yield* typed(part, `${path}[${j}]`, "object")
      if (fields.type !== "input_text" && fields.type !== "output_text") {
        return yield* unsupported(`${path}[${j}].type`, `Function call outputs of type '${String(fields.type)}' are not supported by this gateway: only text.`)
      }
      texts.push({ type: "text", text: yield* typed(fields.text, `${path}[${j}].text`, "string") })
    }
    return texts
  })

/** The raw reasoning text when the item has it, else its summary. */
const reasoningText = (item: JsonObject): string => {
  const texts = (parts: unknown) =>
    Array.isArray(parts)
      ? parts.flatMap((part) => Predicate.isObject(part) && Predicate.isString(part.text) ? [part.text] : [])
      : []
  const content = texts(item.content)
  return (content.length > 0 ? content : texts(item.summary)).join("\n\n")
}

/**
 * Responses input items as chat messages. Items of one assistant turn (reasoning, text, function calls) become
 * one assistant message: consecutive function calls share one, joining the assistant text message right before
 * them; reasoning goes to `reasoning_content` of the assistant message that follows it.
 */
export const inputToMessages = (input: ReadonlyArray<unknown>): Translated<Array<ChatCompletionMessageParam>> =>
  Result.gen(function*() {
    const messages: Array<ChatCompletionMessageParam> = []
    let open: Assistant | undefined
    let reasoning: Array<string> = []
    const assistant = (message: Assistant): Assistant => {
      if (reasoning.length > 0) message.reasoning_content = reasoning.join("\n\n")
      reasoning = []
      messages.push(message)
      return message
    }
    const other = (message: ChatCompletionMessageParam) => {
      // Reasoning not followed by an assistant message (an interrupted turn) has no chat equivalent.
      reasoning = []
      open = undefined
      messages.push(message)
    }
    for (const [i, value] of input.entries()) {
      const path = `input[${i}]`
      const item = yield* typed(value, path, "object")
      const type = item.type ?? (item.role !== undefined ? "message" : undefined)
      switch (type) {
        case "message": {
          const message = yield* messageToChat(item, path)
          if (message.role === "assistant") open = assistant(message)
          else other(message)
          break
        }
        case "function_call": {
          if (item.namespace !== undefined && item.namespace !== null) {
            return yield* unsupported(`${path}.namespace`, "Namespaced function calls are not supported by this gateway.")
          }
          const call: ChatCompletionMessageFunctionToolCall = {
            id: yield* typed(item.call_id, `${path}.call_id`, "string"),
            type: "function",
            function: {
              name: yield* typed(item.name, `${path}.name`, "string"),
              arguments: yield* typed(item.arguments, `${path}.arguments`, "string")
            }
          }
          open ??= assistant({ role: "assistant", content: null })
          open.tool_calls = [...open.tool_calls ?? [], call]
          break
        }
        case "function_call_output":
          other({
            role: "tool",
            tool_call_id: yield* typed(item.call_id, `${path}.call_id`, "string"),
            content: yield* toolOutputToChat(item.output, `${path}.output`)
          })
          break
        case "reasoning": {
          // `encrypted_content` is OpenAI's sealed reasoning state: no other upstream can read it, so it is ignored.
          const text = reasoningText(item)
          if (text !== "") {
            reasoning.push(text)
            open = undefined
          }
          break
        }
        case "item_reference":
          return yield* unsupported(`${path}.type`, "This gateway does not store responses or their items: send the items themselves instead of references.")
        default:
          return yield* unsupported(`${path}.type`, `Input items of type '${String(type)}' are not supported by this gateway: only messages, function calls, function call outputs and reasoning.`)
      }
    }
    return messages
  })
