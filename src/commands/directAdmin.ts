import { Cause, Effect, Exit, Layer, ManagedRuntime } from "effect"
import { AppConfig } from "../Config.ts"
import { Database } from "../db/Database.ts"
import { keyJson } from "../http/admin/keyJson.ts"
import { totalsJson } from "../http/admin/usageRoutes.ts"
import { userJson } from "../http/admin/userJson.ts"
import { type IssuedKey, KeyStore } from "../services/KeyStore.ts"
import { UsageQuery, type UsageGroup } from "../services/UsageQuery.ts"
import { Users } from "../services/Users.ts"
import type { AdminClient, IssuedKeyJson, UsageRowJson } from "./AdminClient.ts"
import { CliError } from "./CliError.ts"
import { readConfig } from "./readConfig.ts"

const issuedJson = ({ key, secret }: IssuedKey): IssuedKeyJson => ({ ...keyJson(key), key: secret })

/** Grouped by key, a key is named as it is now (as the admin API does), else as on its latest request. */
const usageJson = (group: UsageGroup, keyName: (id: string) => string | undefined): UsageRowJson => ({
  group: group.group,
  ...(group.keyName === undefined ? {} : { key_name: (group.group === null ? undefined : keyName(group.group)) ?? group.keyName }),
  ...totalsJson(group)
})

/** A failure's own message (every service error has one); a defect's cause in one line. */
const failureMessage = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  if (error instanceof Error) return error.message
  if (typeof error === "object" && error !== null && "message" in error && typeof error.message === "string") return error.message
  return String(error)
}

/**
 * The services in-process, on the database of the config at `path`. A running gateway keeps its keys in memory:
 * it sees keys changed here after a restart (the admin API, `--url`, applies them at once).
 */
export const directAdmin = async (path: string | undefined): Promise<AdminClient> => {
  const config = await readConfig(path)
  const layer = Layer.mergeAll(KeyStore.layer, Users.layer, UsageQuery.layer).pipe(
    Layer.provideMerge(Database.layer),
    Layer.provideMerge(Layer.succeed(AppConfig, config))
  )
  const runtime = ManagedRuntime.make(layer)
  const run = async <A, E>(effect: Effect.Effect<A, E, KeyStore | Users | UsageQuery>): Promise<A> => {
    const exit = await runtime.runPromiseExit(effect)
    if (Exit.isSuccess(exit)) return exit.value
    throw new CliError(failureMessage(exit.cause))
  }
  const keyStore = <A, E>(use: (keys: KeyStore["Service"]) => Effect.Effect<A, E>) => run(KeyStore.use(use))
  const users = <A, E>(use: (users: Users["Service"]) => Effect.Effect<A, E>) => run(Users.use(use))

  const view = (id: string) => run(KeyStore.useSync((k) => k.get(id)))

  const findUser = async (ref: string) => {
    const user = await users((u) => ref.includes("@") ? u.findByEmail(ref) : u.get(ref))
    if (user === undefined) throw new CliError(`No user '${ref}'`)
    return userJson(user)
  }

  return {
    listUsers: () => users((u) => u.list()).then((list) => list.map(userJson)),
    findUser,
    createUser: (input) => users((u) => u.create(input)).then(userJson),
    setPassword: (userId, password) => users((u) => u.setPassword(userId, password)).then(() => undefined),
    listKeys: (ownerId) => run(KeyStore.useSync((k) => k.list(ownerId))).then((list) => list.map((key) => keyJson(key))),
    getKey: async (id) => {
      const key = await view(id)
      if (key === undefined) throw new CliError(`No key '${id}'`)
      return keyJson(key)
    },
    createKey: (input) =>
      keyStore((k) =>
        k.create({
          name: input.name,
          ownerId: input.owner_id,
          expiresDays: input.expires_days,
          models: input.models,
          budget: input.budget,
          tokenQuota: input.token_quota,
          limits: input.limits,
          allowUnpriced: input.allow_unpriced
        })
      ).then(issuedJson),
    // As the admin API: revoking twice answers the key as it is; a revoked key is not rotated.
    revokeKey: async (id) => {
      const current = await view(id)
      return keyJson(current?.status === "revoked" ? current : await keyStore((k) => k.revoke(id)))
    },
    rotateKey: async (id) => {
      const current = await view(id)
      if (current?.status === "revoked") throw new CliError(`Key '${current.name}' has been revoked: create a new one`)
      return issuedJson(await keyStore((k) => k.rotate(id)))
    },
    usage: (filter) =>
      run(Effect.gen(function*() {
        const keys = yield* KeyStore
        const groups = yield* UsageQuery.use((q) =>
          q.aggregate(filter.groupBy, { since: filter.since, keyId: filter.keyId, userId: filter.userId })
        )
        return groups.map((group) => usageJson(group, (id) => keys.get(id)?.name))
      })),
    close: () => runtime.dispose()
  }
}
