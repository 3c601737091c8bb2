import { Result } from "effect"
import type { Translated } from "../../domain/Chat.ts"

/** A request part Anthropic's Messages API cannot express, named by its JSON path in the canonical request. */
export const refuse = (param: string, message: string): Translated<never> => Result.fail({ param, message })
