import { Predicate, Result } from "effect"
import type { ChatCompletionFunctionTool } from "openai/resources/chat/completions"
import type { Translated } from "../../domain/Chat.ts"
import { unsupported } from "../../domain/unsupported.ts"

/**
 * Fields of a custom tool that are read, or ignored because they do not change the output: `cache_control`
 * (a caching hint) and `eager_input_streaming` (how finely the input is streamed). `defer_loading`,
 * `allowed_callers` and `input_examples` steer Anthropic-side features and are refused unless they are no-ops.
 */
const toolFields = new Set([
  "type", "name", "description", "input_schema", "strict",
  "cache_control", "eager_input_streaming", "defer_loading", "allowed_callers", "input_examples"
])

const isNoOp = (key: string, value: unknown) =>
  value === undefined || value === null || (key === "defer_loading" && value === false) ||
  (key === "allowed_callers" && Array.isArray(value) && value.every((caller) => caller === "direct")) ||
  (key === "input_examples" && Array.isArray(value) && value.length === 0)

/** Custom tools as function tools (`parameters` = `input_schema`); server and Anthropic-defined tools are refused. */
export const toolsToChat = (tools: unknown): Translated<Array<ChatCompletionFunctionTool>> => {
  if (!Array.isArray(tools)) return unsupported("tools", "'tools' must be an array.")
  const out: Array<ChatCompletionFunctionTool> = []
  for (const [i, tool] of tools.entries()) {
    const at = `tools[${i}]`
    if (!Predicate.isObject(tool)) return unsupported(at, `'${at}' must be an object.`)
    if (tool.type !== undefined && tool.type !== null && tool.type !== "custom") {
      return unsupported(`${at}.type`, `The tool type '${String(tool.type)}' runs on Anthropic's side and cannot be translated; only custom tools can.`)
    }
    for (const key of Object.keys(tool)) {
      if (!toolFields.has(key)) return unsupported(`${at}.${key}`, `Unknown tool field '${key}'.`)
    }
    for (const key of ["defer_loading", "allowed_callers", "input_examples"]) {
      if (!isNoOp(key, tool[key])) return unsupported(`${at}.${key}`, `'${key}' is an Anthropic-side feature with no equivalent for this model.`)
    }
    if (!Predicate.isString(tool.name) || tool.name === "") return unsupported(`${at}.name`, `'${at}.name' must be a non-empty string.`)
    if (!Predicate.isObject(tool.input_schema)) return unsupported(`${at}.input_schema`, `'${at}.input_schema' must be a JSON schema object.`)
    if (tool.description !== undefined && !Predicate.isString(tool.description)) {
      return unsupported(`${at}.description`, `'${at}.description' must be a string.`)
    }
    if (tool.strict !== undefined && !Predicate.isBoolean(tool.strict)) return unsupported(`${at}.strict`, `'${at}.strict' must be a boolean.`)
    out.push({
      type: "function",
      function: {
        name: tool.name,
        ...(tool.description === undefined ? {} : { description: tool.description }),
        parameters: tool.input_schema,
        ...(tool.strict === undefined ? {} : { strict: tool.strict })
      }
    })
  }
  return Result.succeed(out)
}
