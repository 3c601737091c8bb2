import type { Period } from "../domain/VirtualKey.ts"
import type { keyJson } from "../http/admin/keyJson.ts"
import type { totalsJson } from "../http/admin/usageRoutes.ts"
import type { userJson } from "../http/admin/userJson.ts"
import type { GroupBy } from "../services/UsageQuery.ts"
import type { Role } from "../services/Users.ts"

// The shapes are the admin API's JSON (snake_case, ISO times), whichever mode the CLI runs in, so that `--json`
// prints the same thing as `curl` would.

export type UserJson = ReturnType<typeof userJson>

export interface NewUserInput {
  readonly email: string
  readonly name: string
  readonly role: Role
  readonly password: string
}

export interface LimitsJson {
  readonly rpm?: number | undefined
  readonly tpm?: number | undefined
  readonly rps?: number | undefined
  readonly burst?: number | undefined
  readonly concurrency?: number | undefined
}

/** A key as the admin API answers it; `spend` only from a running gateway (it lives in its memory). */
export type KeyJson = ReturnType<typeof keyJson>

/** A key as created or rotated: `key` is its secret, shown this once. */
export interface IssuedKeyJson extends KeyJson {
  readonly key: string
}

/** The body of `POST /admin/v1/keys`. */
export interface NewKeyInput {
  readonly name: string
  readonly owner_id: string | null
  /** Absent: the default (365 days); null: never expires. */
  readonly expires_days?: number | null
  readonly models?: ReadonlyArray<string>
  readonly budget?: { readonly usd: number; readonly period: Period }
  readonly token_quota?: { readonly tokens: number; readonly period: Period }
  readonly limits?: LimitsJson
  readonly allow_unpriced?: boolean
}

export interface UsageFilter {
  readonly groupBy: GroupBy
  /** Epoch ms. */
  readonly since?: number | undefined
  readonly keyId?: string | undefined
  readonly userId?: string | undefined
}

/** One group of `GET /admin/v1/usage`. */
export type UsageRowJson = ReturnType<typeof totalsJson> & {
  /** The day, model, provider, key id or user id; null for requests without one (e.g. no owner). */
  readonly group: string | null
  /** Grouped by key: the key's name. */
  readonly key_name?: string | null
}

/**
 * What the CLI's commands do, in-process against the database (`directAdmin`) or through a running gateway's
 * admin API (`httpAdmin`). Failures reject with a CliError that carries the message to print.
 */
export interface AdminClient {
  readonly listUsers: () => Promise<ReadonlyArray<UserJson>>
  /** By email (when it has an `@`) or id. */
  readonly findUser: (ref: string) => Promise<UserJson>
  readonly createUser: (input: NewUserInput) => Promise<UserJson>
  readonly setPassword: (userId: string, password: string) => Promise<void>
  readonly listKeys: (ownerId?: string) => Promise<ReadonlyArray<KeyJson>>
  readonly getKey: (id: string) => Promise<KeyJson>
  readonly createKey: (input: NewKeyInput) => Promise<IssuedKeyJson>
  readonly revokeKey: (id: string) => Promise<KeyJson>
  readonly rotateKey: (id: string) => Promise<IssuedKeyJson>
  readonly usage: (filter: UsageFilter) => Promise<ReadonlyArray<UsageRowJson>>
  /** Releases the database (direct mode). */
  readonly close: () => Promise<void>
}
