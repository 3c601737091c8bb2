import { Elysia, t } from "elysia"
import { Context, Effect } from "effect"
import { Users } from "../../services/Users.ts"
import { adminError, ErrorJson } from "./adminError.ts"
import { type Authorize, isAdmin } from "./Principal.ts"
import { runAdmin, runAdminPromise } from "./runAdmin.ts"
import { roleSchema, UserJson, userJson } from "./userJson.ts"

const tags = ["users"]
const password = t.String({ minLength: 8, maxLength: 1024, description: "At least 8 characters" })
const idParams = t.Object({ id: t.String() })
const errors = { 400: ErrorJson, 401: ErrorJson, 403: ErrorJson, 404: ErrorJson }

/** Users (admins only), and changing one's own password (any signed-in user). */
export const userRoutes = (context: Context.Context<Users>, authorize: Authorize) => {
  const users = Context.get(context, Users)
  return new Elysia()
    .get("/admin/v1/users", ({ request }) => {
      const principal = authorize(request, "admin")
      if (principal instanceof Response) return principal
      return runAdmin(users.list().pipe(Effect.map((all) => ({ data: all.map(userJson) }))))
    }, {
      response: { 200: t.Object({ data: t.Array(UserJson) }), ...errors },
      detail: { tags, summary: "List users" }
    })
    .post("/admin/v1/users", async ({ request, body }) => {
      const principal = authorize(request, "admin")
      if (principal instanceof Response) return principal
      const user = await runAdminPromise(users.create({ email: body.email, name: body.name, role: body.role ?? "member", password: body.password }))
      return user instanceof Response ? user : Response.json(userJson(user), { status: 201 })
    }, {
      body: t.Object({
        email: t.String({ format: "email", maxLength: 320 }),
        name: t.String({ minLength: 1, maxLength: 200 }),
        role: t.Optional(roleSchema),
        password
      }),
      response: { 201: UserJson, ...errors, 409: ErrorJson },
      detail: { tags, summary: "Create a user (role defaults to member); 409 when the email is taken" }
    })
    .get("/admin/v1/users/:id", ({ request, params }) => {
      const principal = authorize(request, "admin")
      if (principal instanceof Response) return principal
      const user = runAdmin(users.get(params.id))
      if (user === undefined) return adminError.notFound(`No user '${params.id}'`)
      return user instanceof Response ? user : userJson(user)
    }, {
      params: idParams,
      response: { 200: UserJson, ...errors },
      detail: { tags, summary: "Read a user" }
    })
    .patch("/admin/v1/users/:id", ({ request, params, body }) => {
      const principal = authorize(request, "admin")
      if (principal instanceof Response) return principal
      return runAdmin(users.update(params.id, body).pipe(Effect.map(userJson)))
    }, {
      params: idParams,
      body: t.Object({
        name: t.Optional(t.String({ minLength: 1, maxLength: 200 })),
        role: t.Optional(roleSchema),
        disabled: t.Optional(t.Boolean({ description: "A disabled user cannot sign in, and their session tokens stop working" }))
      }),
      response: { 200: UserJson, ...errors },
      detail: { tags, summary: "Change a user's name, role or disabled state" }
    })
    .post("/admin/v1/users/:id/password", async ({ request, params, body }) => {
      const principal = authorize(request, "member")
      if (principal instanceof Response) return principal
      if (!isAdmin(principal)) {
        if (principal.kind !== "user" || principal.userId !== params.id) {
          return adminError.forbidden("admin_required", "Members can change only their own password")
        }
        // A session token alone does not change a member's password: it may have been copied.
        const self = runAdmin(users.get(params.id))
        if (self instanceof Response) return self
        const checked = self === undefined || body.current_password === undefined
          ? undefined
          : await runAdminPromise(users.verify(self.email, body.current_password))
        if (checked instanceof Response) return checked
        if (checked === undefined) return adminError.badRequest("current_password", "The current password is missing or incorrect")
      }
      const done = await runAdminPromise(users.setPassword(params.id, body.password).pipe(Effect.andThen(users.get(params.id))))
      if (done === undefined) return adminError.notFound(`No user '${params.id}'`)
      return done instanceof Response ? done : Response.json(userJson(done))
    }, {
      params: idParams,
      body: t.Object({
        password,
        current_password: t.Optional(t.String({ maxLength: 1024, description: "Required when members change their own password" }))
      }),
      response: { 200: UserJson, ...errors },
      detail: { tags, summary: "Set a user's password (admins: anyone's; members: their own, with current_password)" }
    })
}
