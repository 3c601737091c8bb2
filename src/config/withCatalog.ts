import { Predicate } from "effect"
import { type CatalogEntry, type CatalogKind, sectionOf } from "./CatalogEntry.ts"
import type { Path, PathProblem } from "./Path.ts"

export interface MergedTree {
  /** The file's tree with the catalog's entries added. */
  readonly value: unknown
  /** Where a problem found in `value` belongs: `catalog.<section>.<name>…` for a catalog entry, undefined for the file. */
  readonly catalogPath: (path: Path) => Path | undefined
  /** Catalog entries named like one of the file's (already at their catalog paths); they are left out of `value`. */
  readonly problems: ReadonlyArray<PathProblem>
}

const fileOnly = (tree: unknown): MergedTree => ({ value: tree, catalogPath: () => undefined, problems: [] })

const readOnly: Readonly<Record<CatalogKind, string>> = {
  provider: "the config file has a provider of this name; entries of the file cannot be changed through the admin API",
  model: "the config file has a model of this name; entries of the file cannot be changed through the admin API",
  price: "the config file prices this model; entries of the file cannot be changed through the admin API"
}

/**
 * Adds the catalog to the file's tree before validation, so that both pass the same schema and cross-checks:
 * catalog providers after the file's, catalog models and prices beside the file's. An entry named like one of the
 * file's is a problem (the file's entries are read-only through the API), never an override.
 */
export const withCatalog = (tree: unknown, catalog: ReadonlyArray<CatalogEntry>): MergedTree => {
  if (catalog.length === 0 || !Predicate.isObject(tree)) return fileOnly(tree)
  const problems: Array<PathProblem> = []
  const clashes = (entry: CatalogEntry, taken: (name: string) => boolean): boolean => {
    if (!taken(entry.name)) return false
    problems.push({ path: ["catalog", sectionOf[entry.kind], entry.name], message: readOnly[entry.kind] })
    return true
  }

  const fileProviders = Array.isArray(tree.providers) ? tree.providers : undefined
  const fileNames = new Set((fileProviders ?? []).map((provider) => Predicate.isObject(provider) ? provider.name : undefined))
  const providers = catalog.filter((entry) =>
    entry.kind === "provider" && !clashes(entry, (name) => fileNames.has(name))
  )
  const merged: Record<string, unknown> = { ...tree }
  if (providers.length > 0 && (fileProviders !== undefined || tree.providers === undefined)) {
    merged.providers = [...(fileProviders ?? []), ...providers.map(({ name, body }) => ({ ...body, name }))]
  }

  const recordSection = (kind: "model" | "price") => {
    const section = sectionOf[kind]
    const file = tree[section]
    const entries = catalog.filter((entry) =>
      entry.kind === kind && !clashes(entry, (name) => Predicate.isObject(file) && Object.hasOwn(file, name))
    )
    if (entries.length > 0 && (Predicate.isObject(file) || file === undefined)) {
      merged[section] = { ...file, ...Object.fromEntries(entries.map(({ name, body }) => [name, body])) }
    }
    return new Set(entries.map(({ name }) => name))
  }
  const models = recordSection("model")
  const pricing = recordSection("price")

  const firstCatalogProvider = fileProviders?.length ?? 0
  const catalogPath = (path: Path): Path | undefined => {
    const [section, key, ...rest] = path
    if (section === "providers" && typeof key === "number" && key >= firstCatalogProvider) {
      const entry = providers[key - firstCatalogProvider]
      return entry === undefined ? undefined : ["catalog", "providers", entry.name, ...rest]
    }
    if (typeof key !== "string") return undefined
    if ((section === "models" && models.has(key)) || (section === "pricing" && pricing.has(key))) {
      return ["catalog", section, key, ...rest]
    }
    return undefined
  }
  return { value: merged, catalogPath, problems }
}
