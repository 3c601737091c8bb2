import { Predicate, Result } from "effect"
import { formatPath } from "../../config/Path.ts"
import { maskMark, maskSecret } from "../../domain/maskSecret.ts"

type Body = Readonly<Record<string, unknown>>

export interface BadSecret {
  /** The field, e.g. `keys[1]` or `headers["x-api-key"]`. */
  readonly param: string
  readonly message: string
}

const secretOf = (item: unknown): string | undefined =>
  Predicate.isString(item) ? item : Predicate.isObject(item) && Predicate.isString(item.key) ? item.key : undefined

const withSecret = (item: unknown, secret: string): unknown => Predicate.isObject(item) ? { ...item, key: secret } : secret

const unmatched = (param: string): BadSecret => ({
  param,
  message: `'${param}' is a masked value that matches none of the stored ones: send the secret itself, or leave the field out to keep the stored ones`
})

/**
 * A provider's new body with its secrets kept, since the API only ever shows them masked: `keys` or `headers` left
 * out keep the stored ones, and a value sent back masked (as the API showed it) is the stored value it masks, first
 * at the same place, else the one stored value with that mask. A masked value matching none is refused: it would
 * otherwise be sent upstream as a key.
 */
export const keepStoredSecrets = (body: Body, stored: Body): Result.Result<Body, BadSecret> => {
  const storedKeys = Array.isArray(stored.keys) ? stored.keys.map(secretOf) : []
  const keys: Array<unknown> = []
  for (const [index, item] of (Array.isArray(body.keys) ? body.keys : []).entries()) {
    const secret = secretOf(item)
    if (secret === undefined || !secret.includes(maskMark)) {
      keys.push(item)
      continue
    }
    const same = storedKeys[index]
    const candidates = same !== undefined && maskSecret(same) === secret
      ? [same]
      : storedKeys.filter((key) => key !== undefined && maskSecret(key) === secret)
    const [match] = candidates
    if (candidates.length !== 1 || match === undefined) return Result.fail(unmatched(formatPath(["keys", index])))
    keys.push(withSecret(item, match))
  }

  const storedHeaders = Predicate.isObject(stored.headers) ? stored.headers : {}
  const headers: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(Predicate.isObject(body.headers) ? body.headers : {})) {
    const kept = storedHeaders[name]
    const masked = Predicate.isString(value) && value.includes(maskMark)
    if (masked && !(Predicate.isString(kept) && maskSecret(kept) === value)) return Result.fail(unmatched(formatPath(["headers", name])))
    headers[name] = masked ? kept : value
  }

  // A field of the wrong shape goes on as it is: validating the config reports it.
  const restored = (field: "keys" | "headers", value: unknown) =>
    body[field] === undefined ? (stored[field] === undefined ? {} : { [field]: stored[field] }) : { [field]: value }
  return Result.succeed({
    ...body,
    ...restored("keys", Array.isArray(body.keys) ? keys : body.keys),
    ...restored("headers", Predicate.isObject(body.headers) ? headers : body.headers)
  })
}
