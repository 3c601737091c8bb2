import { Predicate, Result } from "effect"
import type { ChatRequest, Translated } from "../../domain/Chat.ts"
import type { GeminiFunctionDeclaration, GeminiTool, GeminiToolConfig } from "./GeminiWire.ts"
import { unsupported } from "../../domain/unsupported.ts"

const namesOf = (tools: ReadonlyArray<{ readonly [key: string]: unknown }>, path: string): Translated<ReadonlyArray<string>> =>
  Result.gen(function*() {
    const names: Array<string> = []
    for (const [k, tool] of tools.entries()) {
      const name = tool.type === "function" && Predicate.isObject(tool.function) ? tool.function.name : undefined
      if (!Predicate.isString(name)) return yield* unsupported(`${path}[${k}].type`, "Gemini supports only function tools")
      names.push(name)
    }
    return names
  })

const toolConfigOf = (choice: ChatRequest["tool_choice"]): Translated<GeminiToolConfig | undefined> => {
  const config = (mode: GeminiToolConfig["functionCallingConfig"]["mode"], allowedFunctionNames?: ReadonlyArray<string>) =>
    Result.succeed({ functionCallingConfig: { mode, ...(allowedFunctionNames === undefined ? {} : { allowedFunctionNames }) } })
  if (choice === undefined || choice === null) return Result.succeed(undefined)
  if (choice === "auto") return config("AUTO")
  if (choice === "none") return config("NONE")
  if (choice === "required") return config("ANY")
  if (choice.type === "function") return config("ANY", [choice.function.name])
  if (choice.type === "allowed_tools") {
    const { mode, tools } = choice.allowed_tools
    // VALIDATED is Gemini's "calls limited to these names, or text", which is what allowed_tools auto means.
    return Result.flatMap(namesOf(tools, "tool_choice.allowed_tools.tools"), (names) => config(mode === "required" ? "ANY" : "VALIDATED", names))
  }
  return unsupported("tool_choice.type", "Gemini supports only function tools")
}

/**
 * Function tools as function declarations. `strict` is not carried: Gemini has no per-function flag and
 * generates calls against the declared schema either way.
 */
export const toolsToGemini = (
  request: ChatRequest
): Translated<{ readonly tools?: ReadonlyArray<GeminiTool>; readonly toolConfig?: GeminiToolConfig }> =>
  Result.gen(function*() {
    const declarations: Array<GeminiFunctionDeclaration> = []
    for (const [i, tool] of (request.tools ?? []).entries()) {
      if (tool.type !== "function") return yield* unsupported(`tools[${i}].type`, "Gemini supports only function tools")
      const { name, description, parameters } = tool.function
      declarations.push({
        name,
        ...(description === undefined ? {} : { description }),
        ...(parameters === undefined ? {} : { parametersJsonSchema: parameters })
      })
    }
    const toolConfig = yield* toolConfigOf(request.tool_choice)
    return {
      ...(declarations.length > 0 ? { tools: [{ functionDeclarations: declarations }] } : {}),
      ...(toolConfig === undefined ? {} : { toolConfig })
    }
  })
