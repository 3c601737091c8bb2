import { timingSafeEqual } from "node:crypto"
import { eq } from "drizzle-orm"
import { Context, Effect, Layer, Redacted, Schedule, Schema } from "effect"
import { AppConfig, type GatewayConfig, type VirtualKeyConfig } from "../Config.ts"
import { Database, DatabaseError } from "../db/Database.ts"
import { query } from "../db/query.ts"
import { type ApiKeyRow, apiKeys } from "../db/schema.ts"
import { fail, type GatewayError, Unauthorized } from "../domain/GatewayError.ts"
import { glob } from "../domain/glob.ts"
import { log } from "../logging/log.ts"
import { newSecret } from "../domain/newSecret.ts"
import { sha256 } from "../domain/sha256.ts"
import type { KeyBudget, KeyLimits, TokenQuota, VirtualKey } from "../domain/VirtualKey.ts"

export type KeyStatus = "active" | "disabled" | "revoked" | "expired"

/** A key as the admin API, the CLI and its holder see it: never the secret. */
export interface KeyView {
  readonly id: string
  readonly name: string
  readonly source: "config" | "database"
  readonly ownerId: string | null
  /** The secret's first characters; null for config keys. */
  readonly prefix: string | null
  readonly status: KeyStatus
  readonly createdAt: number | null
  readonly expiresAt: number | null
  readonly models: ReadonlyArray<string>
  readonly budget: KeyBudget | null
  readonly tokenQuota: TokenQuota | null
  readonly limits: KeyLimits
  readonly allowUnpriced: boolean
  readonly captureBodies: boolean
}

/** A key's settings; on an update an absent one stays, and a null budget or quota removes it. */
interface KeySettings {
  readonly models?: ReadonlyArray<string> | undefined
  readonly budget?: KeyBudget | null | undefined
  readonly tokenQuota?: TokenQuota | null | undefined
  readonly limits?: KeyLimits | undefined
  readonly allowUnpriced?: boolean | undefined
  readonly captureBodies?: boolean | undefined
}

export interface NewKey extends KeySettings {
  readonly name: string
  readonly ownerId: string | null
  /** Days until it expires; undefined: 365; null: never. */
  readonly expiresDays?: number | null | undefined
}

export interface KeyPatch extends KeySettings {
  readonly name?: string | undefined
  /** Null: never expires. */
  readonly expiresAt?: number | null | undefined
  readonly disabled?: boolean | undefined
}

/** A key change the store refuses: no such key, or a key of config.yaml (read-only). */
export class KeyStoreError extends Schema.TaggedError<KeyStoreError>()("KeyStoreError", {
  kind: Schema.Literals(["not_found", "read_only"]),
  message: Schema.String
}) {}

export interface IssuedKey {
  /** Shown once: only its hash is kept. */
  readonly secret: string
  readonly key: KeyView
}

interface StoredKey {
  readonly hash: Buffer
  readonly key: VirtualKey
  readonly view: KeyView
}

const dayMs = 86_400_000
const refreshInterval = "1 second"
const prefixLength = 14

const missing = fail(new Unauthorized({
  message: "Missing API key: send it as 'Authorization: Bearer <key>' or 'x-api-key: <key>'"
}))
const invalid = fail(new Unauthorized({ message: "Incorrect API key provided" }))

const statusOf = (view: KeyView, now: number): KeyStatus =>
  view.status === "active" && view.expiresAt !== null && view.expiresAt <= now ? "expired" : view.status

const refusal: Record<Exclude<KeyStatus, "active">, (view: KeyView) => GatewayError> = {
  expired: (view) => fail(new Unauthorized({ message: `API key '${view.name}' expired on ${new Date(view.expiresAt ?? 0).toISOString()}` })),
  disabled: (view) => fail(new Unauthorized({ message: `API key '${view.name}' is disabled` })),
  revoked: (view) => fail(new Unauthorized({ message: `API key '${view.name}' has been revoked` }))
}

/** Every caller of a server with `server.auth: none` that presents no known key. */
const anonymous: VirtualKey = {
  id: "anonymous",
  name: "anonymous",
  ownerId: null,
  source: "config",
  models: ["*"],
  allows: () => true,
  captureBodies: false,
  limits: {},
  budget: undefined,
  tokenQuota: undefined,
  allowUnpriced: true,
  expiresAt: null
}

const toKey = (view: KeyView): VirtualKey => {
  const patterns = view.models.map(glob)
  return {
    id: view.id,
    name: view.name,
    ownerId: view.ownerId,
    source: view.source,
    models: view.models,
    allows: (model) => patterns.some((pattern) => pattern.test(model)),
    captureBodies: view.captureBodies,
    limits: view.limits,
    budget: view.budget ?? undefined,
    tokenQuota: view.tokenQuota ?? undefined,
    allowUnpriced: view.allowUnpriced,
    expiresAt: view.expiresAt
  }
}

const stored = (hash: Buffer, view: KeyView): StoredKey => ({ hash, view, key: toKey(view) })

const fromConfig = (config: VirtualKeyConfig): StoredKey =>
  stored(sha256(Redacted.value(config.key)), {
    id: `config:${config.name}`,
    name: config.name,
    source: "config",
    ownerId: null,
    prefix: null,
    status: "active",
    createdAt: null,
    expiresAt: null,
    models: config.models,
    budget: config.budget ?? null,
    tokenQuota: config.tokenQuota ?? null,
    limits: config.limits,
    allowUnpriced: config.allowUnpriced,
    captureBodies: config.captureBodies
  })

const definedLimits = (row: ApiKeyRow): KeyLimits =>
  Object.fromEntries(
    ([["rpm", row.rpm], ["tpm", row.tpm], ["rps", row.rps], ["burst", row.burst], ["concurrency", row.concurrency]] as const)
      .filter(([, value]) => value !== null)
  )

const fromRow = (row: ApiKeyRow): StoredKey =>
  stored(Buffer.from(row.hash, "hex"), {
    id: row.id,
    name: row.name,
    source: "database",
    ownerId: row.ownerId,
    prefix: row.prefix,
    status: row.revokedAt !== null ? "revoked" : row.disabled ? "disabled" : "active",
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    models: row.models,
    budget: row.budgetUsd === null ? null : { usd: row.budgetUsd, period: row.budgetPeriod ?? "monthly" },
    tokenQuota: row.tokenQuota === null ? null : { tokens: row.tokenQuota, period: row.tokenPeriod ?? "monthly" },
    limits: definedLimits(row),
    allowUnpriced: row.allowUnpriced,
    captureBodies: row.captureBodies
  })

/** The columns of a key's settings, for an insert or an update. */
const settingsColumns = (settings: {
  readonly budget?: KeyBudget | null | undefined
  readonly tokenQuota?: TokenQuota | null | undefined
  readonly limits?: KeyLimits | undefined
}) => ({
  ...(settings.budget === undefined ? {} : { budgetUsd: settings.budget?.usd ?? null, budgetPeriod: settings.budget?.period ?? null }),
  ...(settings.tokenQuota === undefined
    ? {}
    : { tokenQuota: settings.tokenQuota?.tokens ?? null, tokenPeriod: settings.tokenQuota?.period ?? null }),
  ...(settings.limits === undefined
    ? {}
    : {
      rpm: settings.limits.rpm ?? null,
      tpm: settings.limits.tpm ?? null,
      rps: settings.limits.rps ?? null,
      burst: settings.limits.burst ?? null,
      concurrency: settings.limits.concurrency ?? null
    })
})

/**
 * Virtual keys: those of config.yaml (read-only) and those created through the admin API or the CLI (in the
 * database). All are held in memory by the SHA-256 of their secret, so authenticating costs no database
 * round-trip; a presented secret is hashed and compared in constant time. Changes write the database first,
 * then swap the in-memory entry.
 */
export class KeyStore extends Context.Service<KeyStore, {
  readonly authenticate: (secret: string | undefined) => Effect.Effect<VirtualKey, GatewayError>
  /** Swaps in the keys of a new config at once. */
  readonly reload: (config: GatewayConfig) => void
  /** Every key, or those of one owner; config keys first. */
  readonly list: (ownerId?: string) => ReadonlyArray<KeyView>
  readonly get: (id: string) => KeyView | undefined
  /** The key as the request path sees it (for its spend status), whatever its status. */
  readonly keyOf: (id: string) => VirtualKey | undefined
  readonly create: (input: NewKey) => Effect.Effect<IssuedKey, DatabaseError>
  readonly update: (id: string, patch: KeyPatch) => Effect.Effect<KeyView, KeyStoreError | DatabaseError>
  readonly revoke: (id: string) => Effect.Effect<KeyView, KeyStoreError | DatabaseError>
  /** A new secret for the same key (same id, limits and spend); the old secret stops working at once. */
  readonly rotate: (id: string) => Effect.Effect<IssuedKey, KeyStoreError | DatabaseError>
}>()("sluice/services/KeyStore") {
  static readonly layer = Layer.effect(
    KeyStore,
    Effect.gen(function*() {
      const db = yield* Database

      let fromFile = new Map<string, StoredKey>()
      const fromDatabase = new Map<string, StoredKey>()
      /** Database keys by id, to find a key's current hash. */
      const hashById = new Map<string, string>()

      const loadFile = (config: GatewayConfig) => {
        fromFile = new Map(config.keys.map((key) => {
          const entry = fromConfig(key)
          return [entry.hash.toString("hex"), entry]
        }))
      }
      const config = yield* AppConfig
      loadFile(config)
      const open = config.server.auth === "none"
      const rows = yield* query("Loading keys", () => db.select().from(apiKeys).all())
      const put = (row: ApiKeyRow) => {
        const previous = hashById.get(row.id)
        if (previous !== undefined) fromDatabase.delete(previous)
        const entry = fromRow(row)
        fromDatabase.set(row.hash, entry)
        hashById.set(row.id, row.hash)
        return entry.view
      }
      for (const row of rows) put(row)

      // Another process (the CLI in direct mode, another instance) may change keys in the database: SQLite's
      // data_version moves when another connection commits, and the keys are read again then.
      const dataVersion = db.$client.prepare<{ data_version: number }, []>("PRAGMA data_version")
      let seenVersion = dataVersion.get()?.data_version
      const refresh = Effect.try(() => {
        const version = dataVersion.get()?.data_version
        if (version === seenVersion) return
        seenVersion = version
        const fresh = db.select().from(apiKeys).all()
        fromDatabase.clear()
        hashById.clear()
        for (const row of fresh) put(row)
      }).pipe(Effect.catch((cause) => Effect.sync(() => log("error", "reading keys from the database failed", { cause: String(cause) }))))
      yield* refresh.pipe(Effect.repeat(Schedule.spaced(refreshInterval)), Effect.forkScoped)

      const current = (view: KeyView): KeyView => ({ ...view, status: statusOf(view, Date.now()) })

      const list = (ownerId?: string) =>
        [...fromFile.values(), ...fromDatabase.values()]
          .map((entry) => current(entry.view))
          .filter((view) => ownerId === undefined || view.ownerId === ownerId)

      const findEntry = (id: string): StoredKey | undefined => {
        if (id.startsWith("config:")) {
          for (const entry of fromFile.values()) if (entry.view.id === id) return entry
          return undefined
        }
        const hash = hashById.get(id)
        return hash === undefined ? undefined : fromDatabase.get(hash)
      }

      const findView = (id: string): KeyView | undefined => {
        const entry = findEntry(id)
        return entry === undefined ? undefined : current(entry.view)
      }

      const writable = (id: string): Effect.Effect<KeyView, KeyStoreError> => {
        const view = findView(id)
        if (view === undefined) return Effect.fail(new KeyStoreError({ kind: "not_found", message: `No key '${id}'` }))
        if (view.source === "config") {
          return Effect.fail(new KeyStoreError({ kind: "read_only", message: `Key '${view.name}' comes from the config file: change it there` }))
        }
        return Effect.succeed(view)
      }

      const write = (id: string, what: string, set: Partial<typeof apiKeys.$inferInsert>) =>
        query(what, () => db.update(apiKeys).set(set).where(eq(apiKeys.id, id)).returning().get()).pipe(
          Effect.flatMap((row) =>
            row === undefined ? Effect.fail(new KeyStoreError({ kind: "not_found", message: `No key '${id}'` })) : Effect.succeed(current(put(row)))
          )
        )

      const secretColumns = () => {
        const secret = newSecret("sk-sluice-")
        return { secret, hash: sha256(secret).toString("hex"), prefix: secret.slice(0, prefixLength) }
      }

      const create = (input: NewKey) => {
        const now = Date.now()
        const { secret, hash, prefix } = secretColumns()
        const expiresDays = input.expiresDays === undefined ? 365 : input.expiresDays
        return query("Creating a key", () =>
          db.insert(apiKeys).values({
            id: crypto.randomUUID(),
            name: input.name,
            ownerId: input.ownerId,
            hash,
            prefix,
            createdAt: now,
            expiresAt: expiresDays === null ? null : now + expiresDays * dayMs,
            models: input.models ?? ["*"],
            allowUnpriced: input.allowUnpriced ?? false,
            captureBodies: input.captureBodies ?? false,
            ...settingsColumns({ budget: input.budget ?? null, tokenQuota: input.tokenQuota ?? null, limits: input.limits ?? {} })
          }).returning().get()
        ).pipe(Effect.map((row) => ({ secret, key: current(put(row)) })))
      }

      return KeyStore.of({
        reload: loadFile,
        list,
        get: findView,
        keyOf: (id) => findEntry(id)?.key,
        create,
        update: (id, patch) =>
          writable(id).pipe(Effect.flatMap(() =>
            write(id, "Updating a key", {
              ...(patch.name === undefined ? {} : { name: patch.name }),
              ...(patch.expiresAt === undefined ? {} : { expiresAt: patch.expiresAt }),
              ...(patch.models === undefined ? {} : { models: patch.models }),
              ...(patch.allowUnpriced === undefined ? {} : { allowUnpriced: patch.allowUnpriced }),
              ...(patch.captureBodies === undefined ? {} : { captureBodies: patch.captureBodies }),
              ...(patch.disabled === undefined ? {} : { disabled: patch.disabled }),
              ...settingsColumns(patch)
            })
          )),
        revoke: (id) => writable(id).pipe(Effect.flatMap(() => write(id, "Revoking a key", { revokedAt: Date.now() }))),
        rotate: (id) =>
          writable(id).pipe(Effect.flatMap(() => {
            const { secret, hash, prefix } = secretColumns()
            return write(id, "Rotating a key", { hash, prefix }).pipe(Effect.map((key) => ({ secret, key })))
          })),
        authenticate: (secret) => {
          if (secret === undefined || secret === "") return open ? Effect.succeed(anonymous) : Effect.fail(missing)
          const hash = sha256(secret)
          const hex = hash.toString("hex")
          const entry = fromFile.get(hex) ?? fromDatabase.get(hex)
          if (entry === undefined || !timingSafeEqual(entry.hash, hash)) return open ? Effect.succeed(anonymous) : Effect.fail(invalid)
          const status = statusOf(entry.view, Date.now())
          return status === "active" ? Effect.succeed(entry.key) : Effect.fail(refusal[status](entry.view))
        }
      })
    })
  )
}
