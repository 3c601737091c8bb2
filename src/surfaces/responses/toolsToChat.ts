import { Predicate, Result } from "effect"
import type { ChatCompletionFunctionTool } from "openai/resources/chat/completions"
import type { Translated } from "../../domain/Chat.ts"
import { unsupported } from "../../domain/unsupported.ts"
import { typed } from "./typed.ts"

const functionKeys = new Set(["type", "name", "description", "parameters", "strict"])
const isUnset = (value: unknown) => value === undefined || value === null || value === false

/**
 * Responses function tools as chat function tools. Built-in tools (web_search, file_search, computer_use, mcp,
 * code_interpreter, image_generation, shell…) run inside OpenAI, and custom (free-form) tools have no chat
 * counterpart most upstreams know: all are refused. A function tool's other options (defer_loading, async,
 * output_schema…) are refused when set, since chat cannot carry them.
 */
export const toolsToChat = (tools: ReadonlyArray<unknown>): Translated<Array<ChatCompletionFunctionTool>> =>
  Result.gen(function*() {
    const converted: Array<ChatCompletionFunctionTool> = []
    for (const [i, value] of tools.entries()) {
      const tool = yield* typed(value, `tools[${i}]`, "object")
      if (tool.type !== "function") {
        return yield* unsupported(`tools[${i}].type`, `Tools of type '${String(tool.type)}' are not supported by this gateway: only function tools are.`)
      }
      const extra = Object.keys(tool).find((key) => !functionKeys.has(key) && !isUnset(tool[key]))
      if (extra !== undefined) return yield* unsupported(`tools[${i}].${extra}`, `Function tool option '${extra}' is not supported by this gateway.`)
      const { description, parameters, strict } = tool
      converted.push({
        type: "function",
        function: {
          name: yield* typed(tool.name, `tools[${i}].name`, "string"),
          ...(Predicate.isString(description) ? { description } : {}),
          ...(Predicate.isObject(parameters) ? { parameters } : {}),
          ...(Predicate.isBoolean(strict) ? { strict } : {})
        }
      })
    }
    return converted
  })
