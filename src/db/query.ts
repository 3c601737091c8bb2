import { Effect, Predicate } from "effect"
import { DatabaseError } from "./Database.ts"

/** SQLite's own message: drizzle's wrapper would add the query's parameters (key hashes, password hashes). */
const sqliteMessage = (cause: unknown) => String(Predicate.hasProperty(cause, "cause") && cause.cause !== undefined ? cause.cause : cause)

/** A synchronous bun:sqlite query as an Effect; `what` names it in the error. */
export const query = <A>(what: string, run: () => A): Effect.Effect<A, DatabaseError> =>
  Effect.try({ try: run, catch: (cause) => new DatabaseError({ message: `${what}: ${sqliteMessage(cause)}` }) })
