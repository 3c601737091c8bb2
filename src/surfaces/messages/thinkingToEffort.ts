import { Predicate, Result } from "effect"
import type { ReasoningEffort } from "openai/resources/shared"
import type { Translated } from "../../domain/Chat.ts"
import { unsupported } from "../../domain/unsupported.ts"

const effortFor = (budget: number): ReasoningEffort => budget <= 2048 ? "low" : budget <= 8192 ? "medium" : "high"

/**
 * `thinking` as a reasoning effort: an enabled budget picks low / medium / high; `disabled` and `adaptive`
 * (the model decides) leave the upstream's default. `display: "omitted"` asks for thinking to be left out
 * of the response, which the translated response cannot promise: refused.
 */
export const thinkingToEffort = (thinking: unknown): Translated<ReasoningEffort | undefined> => {
  if (thinking === undefined || thinking === null) return Result.succeed(undefined)
  if (!Predicate.isObject(thinking)) return unsupported("thinking", "'thinking' must be an object.")
  if (thinking.display === "omitted") return unsupported("thinking.display", "Omitting thinking from the response is not supported for this model.")
  switch (thinking.type) {
    case "disabled":
    case "adaptive":
      return Result.succeed(undefined)
    case "enabled": {
      const budget = thinking.budget_tokens
      if (!Predicate.isNumber(budget) || !Number.isInteger(budget) || budget < 1024) {
        return unsupported("thinking.budget_tokens", "'thinking.budget_tokens' must be an integer of at least 1024.")
      }
      return Result.succeed(effortFor(budget))
    }
    default:
      return unsupported("thinking.type", `The thinking type '${String(thinking.type)}' cannot be translated for this model.`)
  }
}
