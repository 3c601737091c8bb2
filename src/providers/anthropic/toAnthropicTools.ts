import { Predicate, Result } from "effect"
import type { Translated } from "../../domain/Chat.ts"
import type { JsonObject } from "../Provider.ts"
import { unsupported } from "../../domain/unsupported.ts"

const emptySchema = { type: "object", properties: {} }

const tool = (value: unknown, path: string): Translated<JsonObject> => {
  if (!Predicate.isObject(value) || value.type !== "function") return unsupported(`${path}.type`, "Anthropic takes only function tools.")
  const fn = value.function
  if (!Predicate.isObject(fn) || !Predicate.isString(fn.name)) return unsupported(`${path}.function.name`, "A function tool needs a name.")
  return Result.succeed({
    name: fn.name,
    ...(Predicate.isString(fn.description) ? { description: fn.description } : {}),
    input_schema: fn.parameters ?? emptySchema,
    ...(Predicate.isBoolean(fn.strict) ? { strict: fn.strict } : {})
  })
}

const choice = (value: unknown): JsonObject | undefined => {
  if (value === undefined || value === null || value === "auto") return { type: "auto" }
  if (value === "none") return { type: "none" }
  if (value === "required") return { type: "any" }
  if (Predicate.isObject(value) && value.type === "function" && Predicate.isObject(value.function) && Predicate.isString(value.function.name)) {
    return { type: "tool", name: value.function.name }
  }
  return undefined
}

/**
 * `tools`, `tool_choice` and `parallel_tool_calls` as Anthropic's `tools` and `tool_choice`. Without tools,
 * a tool choice has nothing to choose from and is left out.
 */
export const toAnthropicTools = (tools: unknown, toolChoice: unknown, parallel: unknown): Translated<JsonObject> =>
  Result.gen(function*() {
    if (tools === undefined || tools === null) return {}
    if (!Array.isArray(tools)) return yield* unsupported("tools", "tools must be an array.")
    const out: Array<JsonObject> = []
    for (const [i, value] of tools.entries()) out.push(yield* tool(value, `tools[${i}]`))
    if (out.length === 0) return {}
    const chosen = choice(toolChoice)
    if (chosen === undefined) return yield* unsupported("tool_choice", "Anthropic's tool_choice is auto, none, required or one named function.")
    const single = parallel === false && chosen.type !== "none" ? { disable_parallel_tool_use: true } : {}
    const explicit = (toolChoice !== undefined && toolChoice !== null) || parallel === false
    return { tools: out, ...(explicit ? { tool_choice: { ...chosen, ...single } } : {}) }
  })
