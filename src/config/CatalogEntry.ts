/** What the catalog holds: providers, model settings and aliases, price overrides. */
export type CatalogKind = "provider" | "model" | "price"

/**
 * One entry added through the admin API; `body` is the snake_case object the config file takes at the same place
 * (an item of `providers:`, a value of `models:` or of `pricing:`).
 */
export interface CatalogEntry {
  readonly kind: CatalogKind
  readonly name: string
  readonly body: Readonly<Record<string, unknown>>
}

/** A change to one entry: its new body, or null to delete it. */
export interface CatalogEdit {
  readonly kind: CatalogKind
  readonly name: string
  readonly body: Readonly<Record<string, unknown>> | null
}

/** The config section each kind is merged into, as it is named in the file and in problem paths. */
export const sectionOf: Readonly<Record<CatalogKind, "providers" | "models" | "pricing">> = {
  provider: "providers",
  model: "models",
  price: "pricing"
}

/** The entries after `edit`: a replaced entry keeps its place, a new one goes last. */
export const applyEdit = (entries: ReadonlyArray<CatalogEntry>, edit: CatalogEdit): ReadonlyArray<CatalogEntry> => {
  const same = (entry: CatalogEntry) => entry.kind === edit.kind && entry.name === edit.name
  if (edit.body === null) return entries.filter((entry) => !same(entry))
  const next = { kind: edit.kind, name: edit.name, body: edit.body }
  return entries.some(same) ? entries.map((entry) => same(entry) ? next : entry) : [...entries, next]
}
