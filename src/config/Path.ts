/** Where a value sits in the YAML document: map keys and sequence indexes. */
export type Path = ReadonlyArray<PropertyKey>

/** A problem that has a path but no origin yet. */
export interface PathProblem {
  readonly path: Path
  readonly message: string
}

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/

const appendKey = (out: string, key: PropertyKey): string => {
  if (typeof key === "number") return `${out}[${key}]`
  const name = String(key)
  if (!identifier.test(name)) return `${out}[${JSON.stringify(name)}]`
  return out === "" ? name : `${out}.${name}`
}

/** `providers[1].type`, `providers[0].model_map["gpt-4o"]` */
export const formatPath = (path: Path): string => path.reduce<string>(appendKey, "")
