import { Result } from "effect"
import type { Translated } from "../../domain/Chat.ts"

export const unsupported = (param: string, message: string): Translated<never> => Result.fail({ param, message })
