import { Elysia, t } from "elysia"
import { Context, Effect } from "effect"
import type { KeyLimits } from "../../domain/VirtualKey.ts"
import { Budget } from "../../services/Budget.ts"
import { type IssuedKey, KeyStore, type KeyView } from "../../services/KeyStore.ts"
import { Users } from "../../services/Users.ts"
import { adminError, ErrorJson } from "./adminError.ts"
import { KeyJson, keyJson, periodSchema } from "./keyJson.ts"
import type { Authorize, Principal } from "./Principal.ts"
import { type AdminFailure, runAdmin } from "./runAdmin.ts"

const tags = ["keys"]
const idParams = t.Object({ id: t.String({ description: "The key's id (`config:<name>` for a key of config.yaml)" }) })
const errors = { 400: ErrorJson, 401: ErrorJson, 403: ErrorJson, 404: ErrorJson, 409: ErrorJson }

const count = t.Integer({ minimum: 0 })
const settings = {
  models: t.Optional(t.Array(t.String({ minLength: 1 }), { description: "Allowed-model globs, e.g. `gpt-4o*` or `openai/*`; default `*`" })),
  budget: t.Optional(t.Nullable(t.Object({ usd: t.Number({ minimum: 0 }), period: periodSchema }, { description: "USD per period; null: none", additionalProperties: false }))),
  token_quota: t.Optional(t.Nullable(t.Object({ tokens: count, period: periodSchema }, { description: "Tokens per period; null: none", additionalProperties: false }))),
  limits: t.Optional(t.Object({
    rpm: t.Optional(count),
    tpm: t.Optional(count),
    rps: t.Optional(t.Number({ minimum: 0, description: "Requests per second (a token bucket with `burst`)" })),
    burst: t.Optional(count),
    concurrency: t.Optional(t.Integer({ minimum: 0, description: "Requests in flight at once" }))
  }, { description: "Rate limits; an absent one is unlimited. On update they replace the key's limits as a whole.", additionalProperties: false })),
  allow_unpriced: t.Optional(t.Boolean({ description: "Whether a key with a budget may use models without a price" })),
  capture_bodies: t.Optional(t.Boolean({ description: "Store this key's request and response bodies with their ledger rows" }))
}

interface SettingsBody {
  readonly models?: ReadonlyArray<string> | undefined
  readonly budget?: { readonly usd: number; readonly period: "daily" | "weekly" | "monthly" | "total" } | null | undefined
  readonly token_quota?: { readonly tokens: number; readonly period: "daily" | "weekly" | "monthly" | "total" } | null | undefined
  readonly limits?: KeyLimits | undefined
  readonly allow_unpriced?: boolean | undefined
  readonly capture_bodies?: boolean | undefined
}

const settingsOf = (body: SettingsBody) => ({
  models: body.models,
  budget: body.budget,
  tokenQuota: body.token_quota,
  limits: body.limits,
  allowUnpriced: body.allow_unpriced,
  captureBodies: body.capture_bodies
})

const issuedJson = ({ secret, key }: IssuedKey) => ({ ...keyJson(key), key: secret })
const IssuedJson = t.Composite([KeyJson, t.Object({ key: t.String({ description: "The secret: shown only now" }) })])

/** A member's own id; undefined for the admin key and admin users, who see and change every key. */
const memberOf = (principal: Principal) => principal.kind === "user" && principal.role === "member" ? principal.userId : undefined

const revoked = (view: KeyView) => adminError.conflict("conflict", `Key '${view.name}' has been revoked: create a new one`)

/**
 * Virtual keys. Admins see and change every key; members only their own (another user's key answers 404, so its
 * existence does not leak) and create keys for themselves. Keys of config.yaml are listed but read-only (409).
 */
export const keyRoutes = (context: Context.Context<KeyStore | Users | Budget>, authorize: Authorize) => {
  const keys = Context.get(context, KeyStore)
  const budget = Context.get(context, Budget)
  const users = Context.get(context, Users)

  /** The key, when this caller may see it. */
  const visible = (request: Request, id: string): KeyView | Response => {
    const principal = authorize(request, "member")
    if (principal instanceof Response) return principal
    const view = keys.get(id)
    const member = memberOf(principal)
    return view === undefined || (member !== undefined && view.ownerId !== member) ? adminError.notFound(`No key '${id}'`) : view
  }

  /** A change to a key this caller may see and that is not revoked. */
  const change = (request: Request, id: string, run: (view: KeyView) => Effect.Effect<KeyView, AdminFailure>) => {
    const found = visible(request, id)
    if (found instanceof Response) return found
    if (found.status === "revoked") return revoked(found)
    return runAdmin(run(found).pipe(Effect.map((view) => keyJson(view))))
  }

  /** Idempotent: revoking a revoked key answers it as it is. */
  const revoke = (request: Request, id: string) => {
    const found = visible(request, id)
    if (found instanceof Response) return found
    if (found.status === "revoked") return keyJson(found)
    return runAdmin(keys.revoke(id).pipe(Effect.map((view) => keyJson(view))))
  }

  /** The owner of a new key: members own theirs; an admin may name any existing user. */
  const ownerFor = (principal: Principal, ownerId: string | null | undefined): string | null | Response => {
    const member = memberOf(principal)
    if (member !== undefined) {
      return ownerId === undefined || ownerId === null || ownerId === member ? member : adminError.forbidden("admin_required", "Members create keys only for themselves")
    }
    if (ownerId === undefined || ownerId === null) return null
    const user = runAdmin(users.get(ownerId))
    if (user instanceof Response) return user
    return user === undefined ? adminError.badRequest("owner_id", `'owner_id' names no user: '${ownerId}'`) : user.id
  }

  return new Elysia()
    .get("/admin/v1/keys", ({ request, query }) => {
      const principal = authorize(request, "member")
      if (principal instanceof Response) return principal
      const listed = keys.list(memberOf(principal) ?? query.owner_id).filter((view) => query.owner_id === undefined || view.ownerId === query.owner_id)
      return { data: listed.map((view) => keyJson(view)) }
    }, {
      query: t.Object({ owner_id: t.Optional(t.String({ description: "Only this user's keys" })) }),
      response: { 200: t.Object({ data: t.Array(KeyJson) }), ...errors },
      detail: { tags, summary: "List keys (members: their own)" }
    })
    .post("/admin/v1/keys", ({ request, body, status }) => {
      const principal = authorize(request, "member")
      if (principal instanceof Response) return principal
      const ownerId = ownerFor(principal, body.owner_id)
      if (ownerId instanceof Response) return ownerId
      const issued = runAdmin(keys.create({ name: body.name, ownerId, expiresDays: body.expires_days, ...settingsOf(body) }))
      return issued instanceof Response ? issued : status(201, issuedJson(issued))
    }, {
      body: t.Object({
        name: t.String({ minLength: 1, maxLength: 200 }),
        owner_id: t.Optional(t.Nullable(t.String({ description: "The owning user (admins only; members own the keys they create); null or absent: none" }))),
        expires_days: t.Optional(t.Nullable(t.Number({ exclusiveMinimum: 0, description: "Days until it expires; default 365; null: never" }))),
        ...settings
      }),
      response: { 201: IssuedJson, ...errors },
      detail: { tags, summary: "Create a key: the answer holds its secret, shown only this once" }
    })
    .get("/admin/v1/keys/:id", ({ request, params }) => {
      const found = visible(request, params.id)
      if (found instanceof Response) return found
      const key = keys.keyOf(params.id)
      return keyJson(found, key === undefined ? undefined : budget.status(key))
    }, {
      params: idParams,
      response: { 200: KeyJson, ...errors },
      detail: { tags, summary: "Read a key, with its spend in the current budget and quota periods" }
    })
    .patch("/admin/v1/keys/:id", ({ request, params, body }) =>
      // An empty patch changes nothing: answered as is, without a write.
      change(request, params.id, (view) =>
        Object.keys(body).length === 0 ? Effect.succeed(view) : keys.update(params.id, {
          name: body.name,
          expiresAt: body.expires_at === undefined ? undefined : body.expires_at === null ? null : Date.parse(body.expires_at),
          ...settingsOf(body)
        })), {
      params: idParams,
      body: t.Object({
        name: t.Optional(t.String({ minLength: 1, maxLength: 200 })),
        expires_at: t.Optional(t.Nullable(t.String({ format: "date-time", description: "ISO-8601; null: never" }))),
        ...settings
      }),
      response: { 200: KeyJson, ...errors },
      detail: { tags, summary: "Change a key's settings; absent fields stay, null removes a budget, quota or expiry" }
    })
    .post("/admin/v1/keys/:id/disable", ({ request, params }) => change(request, params.id, () => keys.update(params.id, { disabled: true })), {
      params: idParams,
      response: { 200: KeyJson, ...errors },
      detail: { tags, summary: "Disable a key (401 for its holder until enabled)" }
    })
    .post("/admin/v1/keys/:id/enable", ({ request, params }) => change(request, params.id, () => keys.update(params.id, { disabled: false })), {
      params: idParams,
      response: { 200: KeyJson, ...errors },
      detail: { tags, summary: "Enable a disabled key" }
    })
    .post("/admin/v1/keys/:id/rotate", ({ request, params }) => {
      const found = visible(request, params.id)
      if (found instanceof Response) return found
      if (found.status === "revoked") return revoked(found)
      const issued = runAdmin(keys.rotate(params.id))
      return issued instanceof Response ? issued : issuedJson(issued)
    }, {
      params: idParams,
      response: { 200: IssuedJson, ...errors },
      detail: { tags, summary: "A new secret for the same key (same id, limits and spend); the old one stops working at once" }
    })
    .post("/admin/v1/keys/:id/revoke", ({ request, params }) => revoke(request, params.id), {
      params: idParams,
      response: { 200: KeyJson, ...errors },
      detail: { tags, summary: "Revoke a key, for good" }
    })
    .delete("/admin/v1/keys/:id", ({ request, params }) => revoke(request, params.id), {
      params: idParams,
      response: { 200: KeyJson, ...errors },
      detail: { tags, summary: "Revoke a key (the same as POST …/revoke)" }
    })
}
