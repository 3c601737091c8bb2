import { and, eq } from "drizzle-orm"
import { Context, Effect, Layer } from "effect"
import type { CatalogEntry, CatalogKind } from "../config/CatalogEntry.ts"
import { catalogEntries } from "../config/readCatalog.ts"
import { Database, DatabaseError } from "../db/Database.ts"
import { query } from "../db/query.ts"
import { catalog } from "../db/schema.ts"

/**
 * Storage of the providers, models and prices added through the admin API. Only storage: the Reloader reads it
 * on every reload and applies changes (validate, then write, then swap), so this service knows nothing of configs.
 */
export class Catalog extends Context.Service<Catalog, {
  /** Every entry, in the order they were first added. */
  readonly overlay: () => Effect.Effect<ReadonlyArray<CatalogEntry>, DatabaseError>
  /** Adds the entry or replaces its body (a replaced entry keeps its place). */
  readonly put: (kind: CatalogKind, name: string, body: CatalogEntry["body"]) => Effect.Effect<void, DatabaseError>
  readonly remove: (kind: CatalogKind, name: string) => Effect.Effect<void, DatabaseError>
}>()("sluice/services/Catalog") {
  static readonly layer = Layer.effect(
    Catalog,
    Effect.gen(function*() {
      const db = yield* Database

      return Catalog.of({
        overlay: () => query("Reading the catalog", () => catalogEntries(db.$client)),
        put: (kind, name, body) => {
          const updatedAt = Date.now()
          return query(`Writing ${kind} '${name}'`, () => {
            db.insert(catalog).values({ kind, name, body: { ...body }, updatedAt })
              .onConflictDoUpdate({ target: [catalog.kind, catalog.name], set: { body: { ...body }, updatedAt } })
              .run()
          })
        },
        remove: (kind, name) =>
          query(`Deleting ${kind} '${name}'`, () => {
            db.delete(catalog).where(and(eq(catalog.kind, kind), eq(catalog.name, name))).run()
          })
      })
    })
  )
}
