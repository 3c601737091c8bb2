import { sql } from "drizzle-orm"
import type { BunSQLiteDatabase } from "drizzle-orm/bun-sqlite"
import journal from "../../drizzle/meta/_journal.json" with { type: "json" }
import m0000 from "../../drizzle/0000_init.sql" with { type: "text" }
import m0001 from "../../drizzle/0001_bodies.sql" with { type: "text" }
import m0002 from "../../drizzle/0002_attempts.sql" with { type: "text" }
import m0003 from "../../drizzle/0003_governance.sql" with { type: "text" }

// Imported rather than read from disk so that `bun build --compile` embeds them. A new migration adds a line here.
const files: Record<string, string> = { "0000_init": m0000, "0001_bodies": m0001, "0002_attempts": m0002, "0003_governance": m0003 }

/** Applies, in one transaction, every migration of drizzle/ newer than the database's last one. */
export const migrate = <S extends Record<string, unknown>>(db: BunSQLiteDatabase<S>) =>
  db.transaction((tx) => {
    tx.run(sql`CREATE TABLE IF NOT EXISTS __drizzle_migrations (id INTEGER PRIMARY KEY, hash TEXT NOT NULL, created_at NUMERIC)`)
    const last = tx.values<[number]>(sql`SELECT created_at FROM __drizzle_migrations ORDER BY created_at DESC LIMIT 1`)[0]
    for (const entry of journal.entries) {
      if (last !== undefined && Number(last[0]) >= entry.when) continue
      const text = files[entry.tag]
      if (text === undefined) throw new Error(`Migration ${entry.tag} is in the journal but not embedded`)
      for (const statement of text.split("--> statement-breakpoint")) tx.run(sql.raw(statement))
      tx.run(sql`INSERT INTO __drizzle_migrations (hash, created_at) VALUES (${entry.tag}, ${entry.when})`)
    }
  })
