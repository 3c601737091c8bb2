/** Who calls an admin route: the configured admin key, or a signed-in user (by their session token). */
export type Principal =
  | { readonly kind: "admin-key" }
  | { readonly kind: "user"; readonly userId: string; readonly role: "admin" | "member" }

export const isAdmin = (principal: Principal): boolean => principal.kind === "admin-key" || principal.role === "admin"

/**
 * Resolves the caller of an admin route from its `Authorization: Bearer` (or `x-api-key`) header: the principal,
 * or the 401/403 Response to send. `need: "member"` admits any signed-in user (routes then scope to their own
 * keys and usage); `need: "admin"` only the admin key and admin users.
 */
export type Authorize = (request: Request, need: "admin" | "member") => Principal | Response
