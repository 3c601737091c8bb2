import { Elysia } from "elysia"
import { Context } from "effect"
import pkg from "../../package.json" with { type: "json" }
import type { AppServices } from "../appLayer.ts"
import type { GatewayConfig } from "../Config.ts"
import { Sessions } from "../services/Sessions.ts"
import { Users } from "../services/Users.ts"
import { authorize } from "./admin/authorize.ts"
import { authRoutes } from "./admin/authRoutes.ts"
import { catalogRoutes } from "./admin/catalogRoutes.ts"
import { docs } from "./admin/docs.ts"
import { keyRoutes } from "./admin/keyRoutes.ts"
import { opsAdminRoutes } from "./admin/opsAdminRoutes.ts"
import { usageRoutes } from "./admin/usageRoutes.ts"
import { userRoutes } from "./admin/userRoutes.ts"

/**
 * The admin API (`/admin/v1`, `/health/detailed`) and its documentation (`/docs`). Every admin route takes the
 * admin key (`server.admin_key`) or a user's session token; with neither a key nor any user the admin API is
 * off and says how to turn it on.
 */
export const adminRoutes = (context: Context.Context<AppServices>, config: GatewayConfig) => {
  const guard = authorize(Context.get(context, Users), Context.get(context, Sessions), config.server.adminKey)
  return new Elysia({ name: "admin" })
    .use(docs(pkg.version))
    .use(authRoutes(context, guard))
    .use(userRoutes(context, guard))
    .use(keyRoutes(context, guard))
    .use(opsAdminRoutes(context, guard))
    .use(catalogRoutes(context, guard))
    .use(usageRoutes(context, guard))
}
