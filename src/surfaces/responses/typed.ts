import { Predicate, Result } from "effect"
import type { Translated } from "../../domain/Chat.ts"
import type { JsonObject } from "../../providers/Provider.ts"
import { unsupported } from "../../domain/unsupported.ts"

interface Kinds {
  readonly string: string
  readonly number: number
  readonly boolean: boolean
  readonly object: JsonObject
  readonly array: ReadonlyArray<unknown>
}

const checks: { readonly [K in keyof Kinds]: (value: unknown) => value is Kinds[K] } = {
  string: Predicate.isString,
  number: Predicate.isNumber,
  boolean: Predicate.isBoolean,
  object: Predicate.isObject,
  array: Array.isArray
}

/** `value` when it is of the JSON kind a field requires, otherwise a refusal naming the field. */
export const typed = <K extends keyof Kinds>(value: unknown, path: string, kind: K): Translated<Kinds[K]> =>
  checks[kind](value)
    ? Result.succeed(value)
    : unsupported(path, `'${path}' must be ${kind === "object" || kind === "array" ? "an" : "a"} ${kind}.`)
