import { Predicate, Result } from "effect"
import type { ChatCompletionToolChoiceOption } from "openai/resources/chat/completions"
import type { Translated } from "../../domain/Chat.ts"
import { unsupported } from "../../domain/unsupported.ts"

export interface ToolChoiceFields {
  tool_choice?: ChatCompletionToolChoiceOption
  parallel_tool_calls?: boolean
}

/**
 * `tool_choice` auto / any / tool / none as "auto" / "required" / a named function / "none", and
 * `disable_parallel_tool_use` as `parallel_tool_calls: false`. Chat Completions refuses both fields without
 * tools: then auto and none are no-ops and left out, any and tool cannot be satisfied and are refused.
 */
export const toolChoiceToChat = (choice: unknown, hasTools: boolean): Translated<ToolChoiceFields> => {
  if (choice === undefined || choice === null) return Result.succeed({})
  if (!Predicate.isObject(choice)) return unsupported("tool_choice", "'tool_choice' must be an object.")
  let toolChoice: ChatCompletionToolChoiceOption
  switch (choice.type) {
    case "auto":
      toolChoice = "auto"
      break
    case "any":
      toolChoice = "required"
      break
    case "none":
      toolChoice = "none"
      break
    case "tool": {
      if (!Predicate.isString(choice.name)) return unsupported("tool_choice.name", "'tool_choice.name' must name a tool.")
      toolChoice = { type: "function", function: { name: choice.name } }
      break
    }
    default:
      return unsupported("tool_choice.type", "'tool_choice.type' must be 'auto', 'any', 'tool' or 'none'.")
  }
  if (!hasTools) {
    return toolChoice === "auto" || toolChoice === "none"
      ? Result.succeed({})
      : unsupported("tool_choice", "'tool_choice' requires a tool to use, but no tools were given.")
  }
  const serial = choice.type !== "none" && choice.disable_parallel_tool_use === true
  return Result.succeed({ tool_choice: toolChoice, ...(serial ? { parallel_tool_calls: false } : {}) })
}
