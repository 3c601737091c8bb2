import { rereadScalar } from "./rereadScalar.ts"

export interface Expansion {
  readonly value: string | number | boolean
  /** Variables the text referred to that were set or had a default. */
  readonly vars: ReadonlyArray<string>
  /** Variables that were unset and had no default. */
  readonly unset: ReadonlyArray<string>
}

const reference = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g
const wholeReference = new RegExp(`^${reference.source}$`)

/**
 * Expands `${VAR}` and `${VAR:-default}` (the default also applies to an empty variable, as in the shell).
 * A text that is exactly one reference is re-read as a YAML scalar, so `"${PORT:-8080}"` yields a number.
 */
export const expandEnv = (text: string, env: Readonly<Record<string, string | undefined>>): Expansion => {
  const vars = new Set<string>()
  const unset = new Set<string>()
  const expanded = text.replace(reference, (_match, name: string, fallback: string | undefined) => {
    const value = env[name]
    if (value !== undefined && (value !== "" || fallback === undefined)) {
      vars.add(name)
      return value
    }
    if (fallback !== undefined) {
      vars.add(name)
      return fallback
    }
    unset.add(name)
    return ""
  })
  const retype = wholeReference.test(text) && unset.size === 0
  return { value: retype ? rereadScalar(expanded) : expanded, vars: [...vars], unset: [...unset] }
}
