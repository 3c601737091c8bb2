import { Database as Sqlite } from "bun:sqlite"
import { drizzle, type BunSQLiteDatabase } from "drizzle-orm/bun-sqlite"
import { mkdirSync } from "node:fs"
import { dirname } from "node:path"
import { Context, Effect, Layer, Schema } from "effect"
import { AppConfig } from "../Config.ts"
import { migrate } from "./migrations.ts"
import * as schema from "./schema.ts"

export class DatabaseError extends Schema.TaggedError<DatabaseError>()("DatabaseError", {
  message: Schema.String
}) {}

const sqlitePath = (url: string) => url.replace(/^sqlite:/, "")

/** The embedded SQLite database, migrated on open and closed with the runtime. */
export class Database extends Context.Service<Database, BunSQLiteDatabase<typeof schema> & { $client: Sqlite }>()(
  "sluice/db/Database"
) {
  static readonly layer = Layer.effect(
    Database,
    Effect.gen(function*() {
      const { database } = yield* AppConfig
      if (!database.url.startsWith("sqlite:")) {
        return yield* new DatabaseError({ message: `Unsupported database url '${database.url}': only sqlite: is available` })
      }
      const path = sqlitePath(database.url)
      const client = yield* Effect.acquireRelease(
        Effect.try({
          try: () => {
            if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true })
            const sqlite = new Sqlite(path, { create: true, strict: true })
            sqlite.run("PRAGMA journal_mode = WAL")
            sqlite.run("PRAGMA synchronous = NORMAL")
            sqlite.run("PRAGMA busy_timeout = 5000")
            return sqlite
          },
          catch: (cause) => new DatabaseError({ message: `Cannot open ${path}: ${String(cause)}` })
        }),
        (sqlite) => Effect.sync(() => sqlite.close())
      )
      const db = drizzle({ client, schema })
      yield* Effect.try({
        try: () => migrate(db),
        catch: (cause) => new DatabaseError({ message: `Migrating ${path} failed: ${String(cause)}` })
      })
      return db
    })
  )
}
