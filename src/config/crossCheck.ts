import { Predicate } from "effect"
import { isProviderType, providers } from "../providers/index.ts"
import { formatPath, type Path, type PathProblem } from "./Path.ts"

// These checks read the undecoded tree so they still run when the schema rejects other parts of the file;
// values of the wrong shape are skipped here because the schema reports them.
type Entry = { readonly [key: string]: unknown }

const entries = (value: unknown): ReadonlyArray<Entry> =>
  Array.isArray(value) ? value.map((item) => Predicate.isObject(item) ? item : {}) : []

const record = (value: unknown): Entry => Predicate.isObject(value) ? value : {}

const strings = (value: unknown): ReadonlyArray<string> => Array.isArray(value) ? value.filter(Predicate.isString) : []

const isScalarText = (value: unknown): value is string | number | boolean =>
  Predicate.isString(value) || Predicate.isNumber(value) || Predicate.isBoolean(value)

/** Reports each repeated value after its first occurrence. */
const duplicates = (
  values: ReadonlyArray<{ readonly path: Path; readonly value: unknown }>,
  describe: (value: string) => string
): ReadonlyArray<PathProblem> => {
  const first = new Map<string, Path>()
  const problems: Array<PathProblem> = []
  for (const { path, value } of values) {
    if (!isScalarText(value)) continue
    const text = String(value)
    const earlier = first.get(text)
    if (earlier === undefined) first.set(text, path)
    else problems.push({ path, message: `duplicate ${describe(text)} (first at ${formatPath(earlier)})` })
  }
  return problems
}

const providerProblems = (provider: Entry, index: number): ReadonlyArray<PathProblem> => {
  const path: Path = ["providers", index]
  const problems: Array<PathProblem> = []
  const type = provider.type
  if (Predicate.isString(type) && isProviderType(type)) {
    if (provider.base_url === undefined && providers[type].defaultBaseUrl === undefined) {
      problems.push({ path: [...path, "base_url"], message: `required for provider type "${type}"` })
    }
    const keys = provider.keys
    if (providers[type].requiresKey && !(Array.isArray(keys) && keys.length > 0)) {
      problems.push({ path: [...path, "keys"], message: `provider type "${type}" requires at least one key` })
    }
  }
  if (provider.probe !== undefined && Predicate.isString(type) && isProviderType(type) && !providers[type].endpoints.has("models")) {
    problems.push({ path: [...path, "probe"], message: `provider type "${type}" has no models list to probe` })
  }
  if (provider.api_version !== undefined && type !== "azure") {
    problems.push({ path: [...path, "api_version"], message: `only provider type "azure" takes an api_version` })
  }
  const models = strings(provider.models)
  for (const name of Object.keys(record(provider.model_map))) {
    if (!models.includes(name)) {
      problems.push({ path: [...path, "model_map", name], message: `"${name}" is not listed in models` })
    }
  }
  return problems
}

const servesModel = (providerList: ReadonlyArray<Entry>) => (target: string): boolean =>
  providerList.some((provider) => {
    const models = strings(provider.models)
    const name = provider.name
    const viaProvider = Predicate.isString(name) && models.some((model) => target === `${name}/${model}`)
    return viaProvider || models.includes(target)
  })

const aliasProblems = (aliases: Entry, serves: (target: string) => boolean): ReadonlyArray<PathProblem> =>
  Object.entries(aliases).flatMap(([alias, definition]) => {
    const { targets, fallbacks, context_fallback: contextFallback } = record(definition)
    const routable = (name: unknown) => !Predicate.isString(name) || serves(name) || (name !== alias && Object.hasOwn(aliases, name))
    const unknown = (field: string) => (name: unknown, index: number): ReadonlyArray<PathProblem> =>
      routable(name) ? [] : [{ path: ["models", alias, field, index], message: `no provider serves "${String(name)}" and it is not another alias` }]
    return [
      ...(targets === undefined && !serves(alias)
        ? [{ path: ["models", alias], message: `no provider serves "${alias}": list its targets to make it an alias` }]
        : []),
      ...(Array.isArray(targets) ? targets.flatMap(unknown("targets")) : []),
      ...(Array.isArray(fallbacks) ? fallbacks.flatMap(unknown("fallbacks")) : []),
      ...(routable(contextFallback) ? [] : [{ path: ["models", alias, "context_fallback"], message: `no provider serves "${String(contextFallback)}" and it is not another alias` }])
    ]
  })

/** Rules that relate several fields: unique names and secrets, provider requirements, alias targets. */
export const crossCheck = (tree: unknown): ReadonlyArray<PathProblem> => {
  const root = record(tree)
  const providerList = entries(root.providers)
  const virtualKeys = entries(root.keys)
  const field = (list: ReadonlyArray<Entry>, section: string, key: string) =>
    list.map((entry, index) => ({ path: [section, index, key], value: entry[key] }))
  return [
    ...duplicates(field(providerList, "providers", "name"), (name) => `provider name "${name}"`),
    ...providerList.flatMap(providerProblems),
    ...aliasProblems(record(root.models), servesModel(providerList)),
    ...duplicates(field(virtualKeys, "keys", "name"), (name) => `key name "${name}"`),
    ...duplicates(field(virtualKeys, "keys", "key"), () => "key secret (redacted)")
  ]
}
