import { Predicate, Result } from "effect"
import type { ResponseFormatJSONSchema, ReasoningEffort } from "openai/resources/shared"
import type { Translated } from "../../domain/Chat.ts"
import { unsupported } from "../../domain/unsupported.ts"

export interface OutputConfigFields {
  reasoning_effort?: ReasoningEffort
  response_format?: ResponseFormatJSONSchema
}

const efforts: ReadonlyArray<unknown> = ["low", "medium", "high", "xhigh", "max"]

/** `output_config.effort` as `reasoning_effort`, `output_config.format` (a JSON schema) as a strict `response_format`. */
export const outputConfigToChat = (config: unknown): Translated<OutputConfigFields> => {
  if (config === undefined || config === null) return Result.succeed({})
  if (!Predicate.isObject(config)) return unsupported("output_config", "'output_config' must be an object.")
  const out: OutputConfigFields = {}
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined || value === null) continue
    if (key === "effort") {
      if (!efforts.includes(value)) return unsupported("output_config.effort", "'output_config.effort' must be low, medium, high, xhigh or max.")
      out.reasoning_effort = value as ReasoningEffort
    } else if (key === "format") {
      if (!Predicate.isObject(value) || value.type !== "json_schema" || !Predicate.isObject(value.schema)) {
        return unsupported("output_config.format", "'output_config.format' must be {type: 'json_schema', schema}.")
      }
      out.response_format = { type: "json_schema", json_schema: { name: "output", schema: value.schema, strict: true } }
    } else {
      return unsupported(`output_config.${key}`, `Unknown output_config field '${key}'.`)
    }
  }
  return Result.succeed(out)
}
