import type { AdminClient, IssuedKeyJson, KeyJson, UsageRowJson, UserJson } from "./AdminClient.ts"
import { CliError } from "./CliError.ts"

interface ErrorJson {
  readonly error?: { readonly message?: unknown }
}

const messageOf = (body: unknown): string | undefined => {
  const message = (body as ErrorJson | null)?.error?.message
  return typeof message === "string" ? message : undefined
}

/** The admin API of a running gateway at `base` (e.g. `http://127.0.0.1:8080`), called with the admin key. */
export const httpAdmin = (base: string, adminKey: string): AdminClient => {
  const root = base.replace(/\/+$/, "")

  const call = async <A>(method: "GET" | "POST", path: string, body?: unknown): Promise<A> => {
    const url = `${root}/admin/v1${path}`
    const response = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${adminKey}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000)
    }).catch((cause: unknown) => {
      throw new CliError(`Cannot reach ${root}: ${cause instanceof Error ? cause.message : String(cause)}`)
    })
    const json: unknown = await response.json().catch(() => undefined)
    if (!response.ok) {
      throw new CliError(messageOf(json) ?? `${method} ${url} answered ${response.status} ${response.statusText}`)
    }
    if (json === undefined) throw new CliError(`${method} ${url} answered something that is not JSON`)
    return json as A
  }

  const listUsers = () => call<{ data: ReadonlyArray<UserJson> }>("GET", "/users").then((page) => page.data)
  const segment = (id: string) => encodeURIComponent(id)

  return {
    listUsers,
    findUser: async (ref) => {
      const wanted = ref.toLowerCase()
      const user = (await listUsers()).find((u) => u.id === ref || u.email.toLowerCase() === wanted)
      if (user === undefined) throw new CliError(`No user '${ref}'`)
      return user
    },
    createUser: (input) => call<UserJson>("POST", "/users", input),
    setPassword: (userId, password) => call<unknown>("POST", `/users/${segment(userId)}/password`, { password }).then(() => undefined),
    listKeys: (ownerId) =>
      call<{ data: ReadonlyArray<KeyJson> }>("GET", `/keys${ownerId === undefined ? "" : `?${new URLSearchParams({ owner_id: ownerId })}`}`)
        .then((page) => page.data),
    getKey: (id) => call<KeyJson>("GET", `/keys/${segment(id)}`),
    // The API takes no owner as an absent owner_id, not null.
    createKey: ({ owner_id, ...input }) => call<IssuedKeyJson>("POST", "/keys", owner_id === null ? input : { ...input, owner_id }),
    revokeKey: (id) => call<KeyJson>("POST", `/keys/${segment(id)}/revoke`),
    rotateKey: (id) => call<IssuedKeyJson>("POST", `/keys/${segment(id)}/rotate`),
    usage: (filter) => {
      const query = new URLSearchParams({ group_by: filter.groupBy })
      if (filter.since !== undefined) query.set("since", new Date(filter.since).toISOString())
      if (filter.keyId !== undefined) query.set("key_id", filter.keyId)
      if (filter.userId !== undefined) query.set("user_id", filter.userId)
      return call<{ data: ReadonlyArray<UsageRowJson> }>("GET", `/usage?${query}`).then((page) => page.data)
    },
    close: () => Promise.resolve()
  }
}
