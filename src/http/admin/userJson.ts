import { t } from "elysia"
import type { UserView } from "../../services/Users.ts"

export const roleSchema = t.Union([t.Literal("admin"), t.Literal("member")])

/** A user as the admin API answers it (never the password hash). */
export const UserJson = t.Object({
  id: t.String(),
  email: t.String(),
  name: t.String(),
  role: roleSchema,
  disabled: t.Boolean(),
  created_at: t.String({ format: "date-time" })
})

export const userJson = (user: UserView) => ({
  id: user.id,
  email: user.email,
  name: user.name,
  role: user.role,
  disabled: user.disabled,
  created_at: new Date(user.createdAt).toISOString()
})
