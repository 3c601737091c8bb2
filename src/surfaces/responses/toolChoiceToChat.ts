import { Predicate, Result } from "effect"
import type { ChatCompletionToolChoiceOption } from "openai/resources/chat/completions"
import type { Translated } from "../../domain/Chat.ts"
import { unsupported } from "../../domain/unsupported.ts"
import { typed } from "./typed.ts"

/** `auto`, `none`, `required` and a named function; choices of built-in tools or allowed-tool subsets are refused. */
export const toolChoiceToChat = (choice: unknown): Translated<ChatCompletionToolChoiceOption> =>
  Result.gen(function*() {
    if (choice === "auto" || choice === "none" || choice === "required") return choice
    if (!Predicate.isObject(choice)) return yield* unsupported("tool_choice", "'tool_choice' must be auto, none, required or a function.")
    if (choice.type !== "function") {
      return yield* unsupported("tool_choice.type", `A tool_choice of type '${String(choice.type)}' is not supported by this gateway: only function.`)
    }
    return { type: "function", function: { name: yield* typed(choice.name, "tool_choice.name", "string") } }
  })
