import { eq } from "drizzle-orm"
import { Context, Effect, Layer, Schema } from "effect"
import { Database, DatabaseError } from "../db/Database.ts"
import { query } from "../db/query.ts"
import { type UserRow, users } from "../db/schema.ts"

export type Role = "admin" | "member"

/** A user as the admin API and the CLI see them: never the password hash. */
export interface UserView {
  readonly id: string
  readonly email: string
  readonly name: string
  readonly role: Role
  readonly disabled: boolean
  readonly createdAt: number
}

export class UsersError extends Schema.TaggedError<UsersError>()("UsersError", {
  kind: Schema.Literals(["not_found", "conflict"]),
  message: Schema.String
}) {}

const toView = (row: UserRow): UserView => ({
  id: row.id,
  email: row.email,
  name: row.name,
  role: row.role,
  disabled: row.disabled,
  createdAt: row.createdAt
})

/** Emails are compared trimmed and lower-cased. */
export const normalEmail = (email: string) => email.trim().toLowerCase()

const hash = (password: string) => Effect.promise(() => Bun.password.hash(password, { algorithm: "argon2id" }))

const notFound = (id: string) => new UsersError({ kind: "not_found", message: `No user '${id}'` })

/** People who sign in to the admin API; passwords are kept as argon2id hashes (Bun.password). */
export class Users extends Context.Service<Users, {
  readonly list: () => Effect.Effect<ReadonlyArray<UserView>, DatabaseError>
  readonly get: (id: string) => Effect.Effect<UserView | undefined, DatabaseError>
  readonly findByEmail: (email: string) => Effect.Effect<UserView | undefined, DatabaseError>
  readonly create: (input: {
    readonly email: string
    readonly name: string
    readonly role: Role
    readonly password: string
  }) => Effect.Effect<UserView, UsersError | DatabaseError>
  readonly update: (
    id: string,
    patch: { readonly name?: string | undefined; readonly role?: Role | undefined; readonly disabled?: boolean | undefined }
  ) => Effect.Effect<UserView, UsersError | DatabaseError>
  readonly setPassword: (id: string, password: string) => Effect.Effect<void, UsersError | DatabaseError>
  /**
   * The user when the password matches and the user is not disabled. Unknown emails are checked against a dummy
   * hash, so that the answer takes about as long whether the email exists or not.
   */
  readonly verify: (email: string, password: string) => Effect.Effect<UserView | undefined, DatabaseError>
}>()("sluice/services/Users") {
  static readonly layer = Layer.effect(
    Users,
    Effect.gen(function*() {
      const db = yield* Database

      const rowByEmail = (email: string) =>
        query("Finding a user", () => db.select().from(users).where(eq(users.email, normalEmail(email))).get())

      let dummyHash: Promise<string> | undefined
      const dummy = () => (dummyHash ??= Bun.password.hash(crypto.randomUUID(), { algorithm: "argon2id" }))

      const write = (id: string, what: string, set: Partial<typeof users.$inferInsert>) =>
        query(what, () =>
          Object.keys(set).length === 0
            ? db.select().from(users).where(eq(users.id, id)).get()
            : db.update(users).set(set).where(eq(users.id, id)).returning().get()).pipe(
          Effect.flatMap((row) => row === undefined ? Effect.fail(notFound(id)) : Effect.succeed(toView(row)))
        )

      return Users.of({
        list: Effect.fn("Users.list")(function*() {
          const rows = yield* query("Listing users", () => db.select().from(users).orderBy(users.createdAt).all())
          return rows.map(toView)
        }),
        get: Effect.fn("Users.get")(function*(id: string) {
          const row = yield* query("Reading a user", () => db.select().from(users).where(eq(users.id, id)).get())
          return row === undefined ? undefined : toView(row)
        }),
        findByEmail: Effect.fn("Users.findByEmail")(function*(email: string) {
          const row = yield* rowByEmail(email)
          return row === undefined ? undefined : toView(row)
        }),
        create: Effect.fn("Users.create")(function*(input) {
          const email = normalEmail(input.email)
          const passwordHash = yield* hash(input.password)
          // The check and the insert run in one synchronous step: no other request of this process interleaves.
          const row = yield* query("Creating a user", () =>
            db.select({ id: users.id }).from(users).where(eq(users.email, email)).get() === undefined
              ? db.insert(users).values({
                id: crypto.randomUUID(),
                email,
                name: input.name,
                role: input.role,
                passwordHash,
                disabled: false,
                createdAt: Date.now()
              }).returning().get()
              : undefined)
          if (row === undefined) return yield* new UsersError({ kind: "conflict", message: `A user with the email '${email}' already exists` })
          return toView(row)
        }),
        update: Effect.fn("Users.update")(function*(id, patch) {
          return yield* write(id, "Updating a user", {
            ...(patch.name === undefined ? {} : { name: patch.name }),
            ...(patch.role === undefined ? {} : { role: patch.role }),
            ...(patch.disabled === undefined ? {} : { disabled: patch.disabled })
          })
        }),
        setPassword: Effect.fn("Users.setPassword")(function*(id: string, password: string) {
          yield* write(id, "Changing a password", { passwordHash: yield* hash(password) })
        }),
        verify: Effect.fn("Users.verify")(function*(email: string, password: string) {
          const row = yield* rowByEmail(email)
          const matches = yield* Effect.promise(async () => Bun.password.verify(password, row?.passwordHash ?? await dummy()))
          return row !== undefined && matches && !row.disabled ? toView(row) : undefined
        })
      })
    })
  )
}
