import { Result } from "effect"
import type { Translated } from "./Chat.ts"

/** A request part the target dialect cannot express, named by its JSON path (refused with a 400 naming it). */
export const unsupported = (param: string, message: string): Translated<never> => Result.fail({ param, message })
