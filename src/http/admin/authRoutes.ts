import { Elysia, t } from "elysia"
import { Context, Effect } from "effect"
import { LoginThrottle } from "../../domain/LoginThrottle.ts"
import { Sessions } from "../../services/Sessions.ts"
import { normalEmail, Users } from "../../services/Users.ts"
import { adminError, ErrorJson } from "./adminError.ts"
import type { Authorize } from "./Principal.ts"
import { runAdmin, runAdminPromise } from "./runAdmin.ts"
import { roleSchema, UserJson, userJson } from "./userJson.ts"

const tags = ["auth"]

/** Signing in with an email and a password, and asking who the caller is. */
export const authRoutes = (context: Context.Context<Users | Sessions>, authorize: Authorize) => {
  const users = Context.get(context, Users)
  const sessions = Context.get(context, Sessions)
  const throttle = new LoginThrottle()
  return new Elysia()
    .post("/admin/v1/auth/login", async ({ body }) => {
      const email = normalEmail(body.email)
      const waitMs = throttle.waitMs(email, Date.now())
      if (waitMs > 0) {
        return adminError.tooManyRequests("too_many_attempts", `Too many failed sign-ins for this email: try again in ${Math.ceil(waitMs / 1000)} s`, waitMs)
      }
      const user = await runAdminPromise(users.verify(body.email, body.password))
      if (user instanceof Response) return user
      // One message whether the email is unknown, the password wrong or the user disabled: nothing to probe.
      if (user === undefined) {
        throttle.failed(email, Date.now())
        return adminError.unauthorized("invalid_credentials", "Incorrect email or password")
      }
      throttle.succeeded(email)
      const { token, expiresAt } = sessions.issue(user)
      return Response.json({ token, expires_at: new Date(expiresAt).toISOString(), user: userJson(user) })
    }, {
      body: t.Object({ email: t.String({ maxLength: 320 }), password: t.String({ maxLength: 1024 }) }),
      response: {
        200: t.Object({ token: t.String({ description: "Send it as 'Authorization: Bearer <token>'" }), expires_at: t.String({ format: "date-time" }), user: UserJson }),
        401: ErrorJson,
        429: ErrorJson
      },
      detail: { tags, summary: "Sign in: a session token valid for 12 hours (5 failures in 15 minutes lock the email for a while)", security: [] }
    })
    .get("/admin/v1/auth/me", ({ request }) => {
      const principal = authorize(request, "member")
      if (principal instanceof Response) return principal
      if (principal.kind === "admin-key") return { kind: principal.kind, role: "admin" as const, user: null }
      return runAdmin(users.get(principal.userId).pipe(
        Effect.map((user) => ({ kind: principal.kind, role: principal.role, user: user === undefined ? null : userJson(user) }))
      ))
    }, {
      response: {
        200: t.Object({ kind: t.Union([t.Literal("admin-key"), t.Literal("user")]), role: roleSchema, user: t.Nullable(UserJson) }),
        401: ErrorJson
      },
      detail: { tags, summary: "The caller: the admin key, or the signed-in user" }
    })
}
