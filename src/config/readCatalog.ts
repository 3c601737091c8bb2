import { Database } from "bun:sqlite"
import { existsSync } from "node:fs"
import { Predicate, Result } from "effect"
import type { CatalogEntry, CatalogKind } from "./CatalogEntry.ts"

const kinds: ReadonlyArray<string> = ["provider", "model", "price"] satisfies ReadonlyArray<CatalogKind>

const isKind = (kind: string): kind is CatalogKind => kinds.includes(kind)

interface Row {
  readonly kind: string
  readonly name: string
  readonly body: string
}

/** Every entry of the `catalog` table, in the order they were first added; none while the table does not exist. */
export const catalogEntries = (client: Database): ReadonlyArray<CatalogEntry> => {
  const table = client.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'catalog'").get()
  if (table === null) return []
  return client.query<Row, []>("SELECT kind, name, body FROM catalog ORDER BY rowid").all().flatMap((row) => {
    const body: unknown = JSON.parse(row.body)
    return isKind(row.kind) && Predicate.isObject(body) ? [{ kind: row.kind, name: row.name, body }] : []
  })
}

/**
 * The catalog of the database at `databaseUrl`, read before the gateway opens it (so that start-up and
 * `config check` validate the same config as a reload does). A database that does not exist yet has none.
 */
export const readCatalog = (databaseUrl: string): Result.Result<ReadonlyArray<CatalogEntry>, string> => {
  const path = databaseUrl.startsWith("sqlite:") ? databaseUrl.slice("sqlite:".length) : undefined
  if (path === undefined || path === ":memory:" || !existsSync(path)) return Result.succeed([])
  try {
    const client = new Database(path, { readonly: true })
    try {
      return Result.succeed(catalogEntries(client))
    } finally {
      client.close()
    }
  } catch (cause) {
    return Result.fail(cause instanceof Error ? cause.message : String(cause))
  }
}
