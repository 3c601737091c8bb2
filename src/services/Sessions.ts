import { createHmac, randomBytes, timingSafeEqual } from "node:crypto"
import { eq } from "drizzle-orm"
import { Context, Effect, Layer, Option, Redacted, Schema } from "effect"
import { AppConfig } from "../Config.ts"
import { Database, DatabaseError } from "../db/Database.ts"
import { settings } from "../db/schema.ts"
import type { Role, UserView } from "./Users.ts"

const lifetimeSeconds = 12 * 3600
const secretSetting = "jwt_secret"

/** The only header this service signs, so the only one it accepts (no `alg: none`, no algorithm switch). */
const header = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url")

const Claims = Schema.Struct({
  sub: Schema.String,
  role: Schema.Literals(["admin", "member"]),
  iat: Schema.Number,
  exp: Schema.Number
})
const decodeClaims = Schema.decodeUnknownOption(Schema.fromJsonString(Claims))

/**
 * Signed-in sessions of the admin API: HS256 JWTs that last 12 hours. The signing secret is `server.jwt_secret`,
 * or one generated on first start and kept in the database, so that tokens survive a restart. A token only says
 * who signed in: callers still check that the user exists and is not disabled.
 */
export class Sessions extends Context.Service<Sessions, {
  readonly issue: (user: UserView) => { readonly token: string; readonly expiresAt: number }
  /** The signed-in user's id and role at sign-in, or undefined for a malformed, tampered or expired token. */
  readonly verify: (token: string) => { readonly userId: string; readonly role: Role } | undefined
}>()("sluice/services/Sessions") {
  static readonly layer = Layer.effect(
    Sessions,
    Effect.gen(function*() {
      const { server } = yield* AppConfig
      const db = yield* Database
      const secret = server.jwtSecret === undefined
        ? yield* Effect.try({
          try: () => {
            // Whoever writes first wins; everyone then reads the same secret.
            db.insert(settings).values({ name: secretSetting, value: randomBytes(32).toString("base64url") }).onConflictDoNothing().run()
            const row = db.select().from(settings).where(eq(settings.name, secretSetting)).get()
            if (row === undefined) throw new Error("the setting was not written")
            return row.value
          },
          catch: (cause) => new DatabaseError({ message: `Reading the session secret: ${String(cause)}` })
        })
        : Redacted.value(server.jwtSecret)
      const key = Buffer.from(secret)
      const sign = (data: string) => createHmac("sha256", key).update(data).digest()

      return Sessions.of({
        issue: (user) => {
          const iat = Math.floor(Date.now() / 1000)
          const exp = iat + lifetimeSeconds
          const payload = Buffer.from(JSON.stringify({ sub: user.id, role: user.role, iat, exp })).toString("base64url")
          const signed = `${header}.${payload}`
          return { token: `${signed}.${sign(signed).toString("base64url")}`, expiresAt: exp * 1000 }
        },
        verify: (token) => {
          const [head, payload, signature, ...rest] = token.split(".")
          if (head !== header || payload === undefined || signature === undefined || rest.length > 0) return undefined
          const given = Buffer.from(signature, "base64url")
          const expected = sign(`${head}.${payload}`)
          if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined
          const claims = decodeClaims(Buffer.from(payload, "base64url").toString())
          if (Option.isNone(claims) || claims.value.exp * 1000 <= Date.now()) return undefined
          return { userId: claims.value.sub, role: claims.value.role }
        }
      })
    })
  )
}
