import { Result } from "effect"
import type { Translated } from "../../domain/Chat.ts"

/** A request part the canonical format cannot carry, named by its JSON path in the client's Messages body. */
export const unsupported = (param: string, message: string): Translated<never> => Result.fail({ param, message })
