import { Result } from "effect"
import type { ChatCompletionCreateParamsBase } from "openai/resources/chat/completions"
import type { Translated } from "../../domain/Chat.ts"
import { unsupported } from "../../domain/unsupported.ts"
import { typed } from "./typed.ts"

type TextFields = Pick<ChatCompletionCreateParamsBase, "response_format" | "verbosity">

const verbosities = ["low", "medium", "high"] as const
const isVerbosity = (value: unknown): value is typeof verbosities[number] => verbosities.some((v) => v === value)

/** `text.format` as `response_format` and `text.verbosity` as `verbosity`. */
export const textToChat = (text: unknown): Translated<TextFields> =>
  Result.gen(function*() {
    const fields: TextFields = {}
    const { format, verbosity, ...rest } = yield* typed(text, "text", "object")
    const extra = Object.keys(rest).find((key) => rest[key] !== undefined && rest[key] !== null)
    if (extra !== undefined) return yield* unsupported(`text.${extra}`, `'text.${extra}' is not supported by this gateway.`)
    if (verbosity !== undefined && verbosity !== null) {
      if (!isVerbosity(verbosity)) return yield* unsupported("text.verbosity", "'text.verbosity' must be low, medium or high.")
      fields.verbosity = verbosity
    }
    if (format === undefined || format === null) return fields
    const spec = yield* typed(format, "text.format", "object")
    switch (spec.type) {
      case "text":
        return fields
      case "json_object":
        return { ...fields, response_format: { type: "json_object" } }
      case "json_schema": {
        const { description, strict } = spec
        return {
          ...fields,
          response_format: {
            type: "json_schema",
            json_schema: {
              name: yield* typed(spec.name, "text.format.name", "string"),
              schema: yield* typed(spec.schema, "text.format.schema", "object"),
              ...(typeof description === "string" ? { description } : {}),
              ...(typeof strict === "boolean" ? { strict } : {})
            }
          }
        }
      }
      default:
        return yield* unsupported("text.format.type", `A text format of type '${String(spec.type)}' is not supported by this gateway.`)
    }
  })
