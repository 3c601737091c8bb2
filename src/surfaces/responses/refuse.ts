import { Result } from "effect"
import type { Translated } from "../../domain/Chat.ts"

/** A Responses request part the canonical chat format cannot express, named by its JSON path in the client's body. */
export const refuse = (param: string, message: string): Translated<never> => Result.fail({ param, message })
