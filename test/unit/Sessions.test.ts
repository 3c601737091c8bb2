import { afterAll, afterEach, describe, expect, setSystemTime, test } from "bun:test"
import { createHmac } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { AppConfig, type GatewayConfig } from "../../src/Config.ts"
import { Database } from "../../src/db/Database.ts"
import { Sessions } from "../../src/services/Sessions.ts"
import type { UserView } from "../../src/services/Users.ts"
import { testConfig, testServer } from "./testConfig.ts"

const dir = mkdtempSync(join(tmpdir(), "sluice-sessions-"))
const runtimes: Array<ManagedRuntime.ManagedRuntime<Sessions | Database, unknown>> = []
afterAll(async () => {
  for (const runtime of runtimes) await runtime.dispose()
  rmSync(dir, { recursive: true, force: true })
})
afterEach(() => setSystemTime())

const sessionsWith = (config: GatewayConfig) => {
  const runtime = ManagedRuntime.make(Sessions.layer.pipe(Layer.provideMerge(Database.layer), Layer.provide(Layer.succeed(AppConfig, config))))
  runtimes.push(runtime)
  return runtime.runSync(Effect.gen(function*() {
    return { sessions: yield* Sessions, db: yield* Database }
  }))
}

const ada: UserView = { id: "user-ada", email: "ada@example.com", name: "Ada", role: "member", disabled: false, createdAt: 0 }
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")
const parts = (token: string) => token.split(".") as [string, string, string]

describe("Sessions", () => {
  const { sessions } = sessionsWith(testConfig())

  test("a token it issued verifies to the user's id and role, and lasts 12 hours", () => {
    const before = Date.now()
    const { token, expiresAt } = sessions.issue(ada)
    expect(token.split(".")).toHaveLength(3)
    expect(sessions.verify(token)).toEqual({ userId: "user-ada", role: "member" })
    expect(expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 12 * 3600_000)
    expect(expiresAt).toBeLessThanOrEqual(before + 12 * 3600_000 + 1000)
    const [header, payload] = parts(token)
    expect(JSON.parse(Buffer.from(header, "base64url").toString())).toEqual({ alg: "HS256", typ: "JWT" })
    expect(JSON.parse(Buffer.from(payload, "base64url").toString())).toMatchObject({ sub: "user-ada", role: "member" })
  })

  test("an expired token is refused", () => {
    const { token, expiresAt } = sessions.issue(ada)
    setSystemTime(new Date(expiresAt - 1000))
    expect(sessions.verify(token)).toEqual({ userId: "user-ada", role: "member" })
    setSystemTime(new Date(expiresAt))
    expect(sessions.verify(token)).toBeUndefined()
  })

  test("a tampered token is refused: changed claims, another signature, alg none, garbage", () => {
    const { token } = sessions.issue(ada)
    const [header, payload, signature] = parts(token)
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString())
    expect(sessions.verify(`${header}.${b64({ ...claims, role: "admin" })}.${signature}`)).toBeUndefined()
    expect(sessions.verify(`${header}.${b64({ ...claims, exp: claims.exp + 3600 })}.${signature}`)).toBeUndefined()
    const flipped = Buffer.from(signature, "base64url")
    flipped[0] = flipped[0]! ^ 1
    expect(sessions.verify(`${header}.${payload}.${flipped.toString("base64url")}`)).toBeUndefined()
    expect(sessions.verify(`${header}.${payload}.${signature.slice(0, -4)}`)).toBeUndefined()
    expect(sessions.verify(`${b64({ alg: "none", typ: "JWT" })}.${payload}.`)).toBeUndefined()
    expect(sessions.verify(`${b64({ alg: "HS512", typ: "JWT" })}.${payload}.${signature}`)).toBeUndefined()
    expect(sessions.verify(`${token}.extra`)).toBeUndefined()
    for (const garbage of ["", "a.b", "a.b.c", "sk-sluice-not-a-jwt", "..."]) expect(sessions.verify(garbage)).toBeUndefined()
  })

  test("a correctly signed token is refused when its claims are malformed", () => {
    const secret = "a-known-secret"
    const known = sessionsWith(testConfig({ server: { ...testServer, jwtSecret: Redacted.make(secret) } })).sessions
    const header = b64({ alg: "HS256", typ: "JWT" })
    const signed = (claims: unknown) => {
      const data = `${header}.${b64(claims)}`
      return `${data}.${createHmac("sha256", secret).update(data).digest("base64url")}`
    }
    const exp = Math.floor(Date.now() / 1000) + 60
    expect(known.verify(signed({ sub: "u1", role: "member", iat: 0, exp }))).toEqual({ userId: "u1", role: "member" })
    expect(known.verify(signed({ sub: "u1", role: "root", iat: 0, exp }))).toBeUndefined()
    expect(known.verify(signed({ sub: "u1", iat: 0, exp }))).toBeUndefined()
    expect(known.verify(signed({ sub: "u1", role: "member", iat: 0, exp: String(exp) }))).toBeUndefined()
    expect(known.verify(signed({ sub: 42, role: "member", iat: 0, exp }))).toBeUndefined()
    expect(known.verify(signed("not an object"))).toBeUndefined()
  })

  test("without server.jwt_secret the generated secret is kept in the database: tokens survive a restart", () => {
    const url = `sqlite:${join(dir, "sluice.db")}`
    const first = sessionsWith(testConfig({ database: { url } }))
    const { token } = first.sessions.issue(ada)
    const stored = first.db.$client.query<{ value: string }, []>("SELECT value FROM settings WHERE name = 'jwt_secret'").get()
    expect(stored?.value.length).toBeGreaterThanOrEqual(43)
    const restarted = sessionsWith(testConfig({ database: { url } }))
    expect(restarted.sessions.verify(token)).toEqual({ userId: "user-ada", role: "member" })
    expect(sessionsWith(testConfig()).sessions.verify(token)).toBeUndefined()
  })

  test("server.jwt_secret signs when set: any instance with the same secret accepts the token", () => {
    const config = testConfig({ server: { ...testServer, jwtSecret: Redacted.make("a-configured-secret-of-some-length") } })
    const { token } = sessionsWith(config).sessions.issue({ ...ada, role: "admin" })
    expect(sessionsWith(config).sessions.verify(token)).toEqual({ userId: "user-ada", role: "admin" })
    expect(sessions.verify(token)).toBeUndefined()
  })
})
