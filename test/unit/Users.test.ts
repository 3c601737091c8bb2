import { afterAll, describe, expect, test } from "bun:test"
import { Effect, Layer, ManagedRuntime } from "effect"
import { AppConfig } from "../../src/Config.ts"
import { Database } from "../../src/db/Database.ts"
import { Users, UsersError } from "../../src/services/Users.ts"
import { testConfig } from "./testConfig.ts"

const runtime = ManagedRuntime.make(Users.layer.pipe(Layer.provideMerge(Database.layer), Layer.provide(Layer.succeed(AppConfig, testConfig()))))
afterAll(() => runtime.dispose())

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)
const failure = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(Effect.flip(effect))

describe("Users", () => {
  const { users, db } = runtime.runSync(Effect.gen(function*() {
    return { users: yield* Users, db: yield* Database }
  }))

  test("create keeps a trimmed, lower-cased email and an argon2id hash, never the password", async () => {
    const ada = await run(users.create({ email: "  Ada@Example.COM ", name: "Ada", role: "admin", password: "correct horse" }))
    expect(ada).toMatchObject({ email: "ada@example.com", name: "Ada", role: "admin", disabled: false })
    expect(ada.id).toMatch(/^[0-9a-f-]{36}$/)
    expect(Object.keys(ada)).not.toContain("passwordHash")
    const stored = db.$client.query<{ password_hash: string }, [string]>("SELECT password_hash FROM users WHERE id = ?").get(ada.id)
    expect(stored?.password_hash).toStartWith("$argon2id$")
    expect(stored?.password_hash).not.toContain("correct horse")
    expect(await run(users.get(ada.id))).toEqual(ada)
    expect(await run(users.findByEmail("ADA@example.com"))).toEqual(ada)
  })

  test("a taken email is a conflict, whatever its case", async () => {
    await run(users.create({ email: "bob@example.com", name: "Bob", role: "member", password: "password-1" }))
    const error = await failure(users.create({ email: "BOB@example.com ", name: "Bobby", role: "member", password: "password-2" }))
    expect(error).toBeInstanceOf(UsersError)
    expect(error).toMatchObject({ kind: "conflict" })
  })

  test("verify: the right password signs in; a wrong one, an unknown email or a disabled user do not", async () => {
    const cy = await run(users.create({ email: "cy@example.com", name: "Cy", role: "member", password: "s3cret-pass" }))
    expect(await run(users.verify("CY@example.com", "s3cret-pass"))).toEqual(cy)
    expect(await run(users.verify("cy@example.com", "s3cret-Pass"))).toBeUndefined()
    expect(await run(users.verify("nobody@example.com", "s3cret-pass"))).toBeUndefined()
    await run(users.update(cy.id, { disabled: true }))
    expect(await run(users.verify("cy@example.com", "s3cret-pass"))).toBeUndefined()
  })

  test("setPassword replaces the password; update changes name and role", async () => {
    const di = await run(users.create({ email: "di@example.com", name: "Di", role: "member", password: "first-password" }))
    await run(users.setPassword(di.id, "second-password"))
    expect(await run(users.verify("di@example.com", "first-password"))).toBeUndefined()
    expect((await run(users.verify("di@example.com", "second-password")))?.id).toBe(di.id)
    const changed = await run(users.update(di.id, { name: "Diana", role: "admin" }))
    expect(changed).toMatchObject({ id: di.id, name: "Diana", role: "admin", disabled: false })
    expect(await run(users.update(di.id, {}))).toEqual(changed)
  })

  test("an unknown id is not_found for update and setPassword, undefined for get", async () => {
    expect(await run(users.get("no-such-id"))).toBeUndefined()
    expect(await failure(users.update("no-such-id", { name: "x" }))).toMatchObject({ kind: "not_found" })
    expect(await failure(users.setPassword("no-such-id", "whatever-pass"))).toMatchObject({ kind: "not_found" })
  })

  test("list: every user, oldest first", async () => {
    const emails = (await run(users.list())).map((user) => user.email)
    expect(emails.slice(0, 2)).toEqual(["ada@example.com", "bob@example.com"])
    expect(emails).toContain("di@example.com")
  })
})
